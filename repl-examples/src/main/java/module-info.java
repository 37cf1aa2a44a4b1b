/** The examples, compiled as a module: they can use nothing but what {@code dev.repl.core} exports. */
module dev.repl.examples {
    requires dev.repl.core;
}
