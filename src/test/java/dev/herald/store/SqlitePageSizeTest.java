package dev.herald.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.herald.support.TestDatabases;
import dev.herald.support.TestHerald;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** HERALD_SQLITE_PAGE_SIZE applies to a new database file, in WAL mode; an existing file keeps its size. */
class SqlitePageSizeTest {
    @Test
    void aNewFileGetsThePageSizeAndAnExistingOneKeepsItsOwn() throws Exception {
        assumeFalse(TestDatabases.postgres(), "a SQLite setting");
        Path dir = Files.createTempDirectory("herald-page");
        try {
            try (Database db = Database.open(TestHerald.config(dir, Map.of("HERALD_SQLITE_PAGE_SIZE", "2048")))) {
                assertThat(pragma(db, "page_size")).isEqualTo("2048");
                assertThat(pragma(db, "journal_mode")).isEqualTo("wal");
            }
            try (Database db = Database.open(TestHerald.config(dir, Map.of("HERALD_SQLITE_PAGE_SIZE", "8192")))) {
                assertThat(pragma(db, "page_size")).isEqualTo("2048");
            }
        } finally {
            TestHerald.deleteTree(dir);
        }
    }

    static String pragma(Database db, String name) {
        return db.read(h -> h.createQuery("PRAGMA " + name).mapTo(String.class).one());
    }
}
