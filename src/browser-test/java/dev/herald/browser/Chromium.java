package dev.herald.browser;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Playwright;
import java.nio.file.Path;
import java.util.List;

/** The browser tests' Chromium: Debian's (or HERALD_CHROMIUM, which ./herald test sets), headless, without its background traffic. */
final class Chromium {
    private Chromium() {}

    static Browser launch(Playwright playwright) {
        String chromium = System.getenv().getOrDefault("HERALD_CHROMIUM", "/usr/bin/chromium");
        return playwright.chromium().launch(new BrowserType.LaunchOptions().setExecutablePath(Path.of(chromium)).setHeadless(true)
                .setArgs(List.of("--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync")));
    }
}
