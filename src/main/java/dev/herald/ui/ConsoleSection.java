package dev.herald.ui;

import io.javalin.config.RoutesConfig;

/** One area of the console: registers its pages and changes through the console, which checks who may. */
interface ConsoleSection {
    void register(RoutesConfig r, Console c);
}
