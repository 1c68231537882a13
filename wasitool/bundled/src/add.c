/* add.c - a library module: no main, no libc, one exported function.
 * Teaches: a module without an entry point (`--no-entry`) whose functions the host calls directly;
 * run it by invoking the export `add` with two i32 arguments. */

int add(int a, int b) { return a + b; }
