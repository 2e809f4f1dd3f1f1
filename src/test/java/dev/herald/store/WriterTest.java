package dev.herald.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.api.ApiException;
import dev.herald.support.TestHerald;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The group-committing writer: savepoint isolation between jobs, and sync levels per batch. */
class WriterTest {
    Path dir;
    Database db;

    @BeforeEach
    void open() throws Exception {
        dir = Files.createTempDirectory("herald-writer");
        db = Database.open(TestHerald.config(dir, Map.of("HERALD_SQLITE_SYNCHRONOUS", "FULL")));
    }

    @AfterEach
    void close() {
        db.close();
        TestHerald.deleteTree(dir);
    }

    static int synchronous(org.jdbi.v3.core.Handle h) {
        return h.createQuery("PRAGMA synchronous").mapTo(Integer.class).one();
    }

    @Test
    void durableJobsCommitSyncedAndRelaxedOnlyBatchesDoNot() {
        int full = db.writer().execute(WriterTest::synchronous);
        int relaxed = db.writer().executeRelaxed(WriterTest::synchronous);
        int fullAgain = db.writer().execute(WriterTest::synchronous);
        assertThat(full).isEqualTo(2); // FULL
        assertThat(relaxed).isEqualTo(1); // NORMAL
        assertThat(fullAgain).isEqualTo(2);
    }

    @Test
    void aFailingJobRollsBackAloneAndTheOthersInItsBatchCommit() throws Exception {
        List<CompletableFuture<Integer>> futures = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            int n = i;
            futures.add(db.writer().submit(h -> {
                h.execute("INSERT INTO projects (id, name, created_at) VALUES (?, ?, 0)", "p" + n, "n" + n);
                if (n % 10 == 0) throw ApiException.conflict("job " + n + " refuses");
                return n;
            }));
        }
        for (int i = 0; i < 50; i++) {
            int n = i;
            if (n % 10 == 0) assertThatThrownBy(() -> futures.get(n).join()).hasCauseInstanceOf(ApiException.class);
            else assertThat(futures.get(n).get()).isEqualTo(n);
        }
        int rows = db.read(h -> h.createQuery("SELECT COUNT(*) FROM projects").mapTo(Integer.class).one());
        assertThat(rows).isEqualTo(45);
    }
}
