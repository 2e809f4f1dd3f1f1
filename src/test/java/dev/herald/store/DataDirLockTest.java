package dev.herald.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.herald.support.HeraldProcess;
import dev.herald.support.TestDatabases;
import dev.herald.support.TestHerald;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One server per SQLite data directory: a second {@code serve} (or worker) on a directory in use refuses
 * to start, naming the process that holds it, while admin commands keep working beside it. Real processes.
 */
class DataDirLockTest {
    Path dir;
    Map<String, String> env;
    HeraldProcess first;

    @BeforeEach
    void setUp() throws Exception {
        assumeFalse(TestDatabases.postgres(), "the data-directory lock is for SQLite; PostgreSQL nodes share a database by design");
        dir = Files.createTempDirectory("herald-lock");
        env = new HashMap<>();
        env.put("HERALD_DATA_DIR", dir.resolve("data").toString());
    }

    @AfterEach
    void tearDown() {
        if (first != null) first.close();
        if (dir != null) TestHerald.deleteTree(dir);
    }

    @Test
    void aSecondServerOnADataDirectoryInUseRefusesToStartNamingTheHolder() throws Exception {
        first = HeraldProcess.serve(env, dir.resolve("first.log"), 0);
        assertThat(Files.readString(dir.resolve("data").resolve(DataDirLock.FILE))).contains("pid=" + first.pid());

        HeraldProcess.Result second = HeraldProcess.exec(env, "serve", "--port", Integer.toString(HeraldProcess.freePort()), "--host", "127.0.0.1");
        assertThat(second.exit()).isEqualTo(1);
        assertThat(second.err().lines().filter(l -> l.startsWith("herald: ")).toList()).singleElement().satisfies(line ->
                assertThat(line).contains("is in use by another Herald server").contains("pid " + first.pid()));
        assertThat(second.err()).doesNotContain("dispatcher").doesNotContain("\tat ");

        HeraldProcess.Result worker = HeraldProcess.exec(env, "worker", "notifications");
        assertThat(worker.exit()).isEqualTo(1);
        assertThat(worker.err()).contains("pid " + first.pid());

        HeraldProcess.Result admin = HeraldProcess.exec(env, "admin", "create-project", "beside");
        assertThat(admin.exit()).as(admin.err()).isZero();
        assertThat(HeraldProcess.exec(env, "admin", "list-projects").out()).contains("beside");
        assertThat(first.isAlive()).isTrue();
    }

    @Test
    void theLockGoesWithTheServerSoTheNextOneStarts() {
        first = HeraldProcess.serve(env, dir.resolve("first.log"), 0);
        first.close();
        first = HeraldProcess.serve(env, dir.resolve("second.log"), 0);
        assertThat(first.isAlive()).isTrue();
        first.kill();
        first = HeraldProcess.serve(env, dir.resolve("third.log"), 0);
        assertThat(first.isAlive()).as("a crashed server's lock is released by the OS").isTrue();
    }
}
