package dev.herald.config;

import java.nio.file.Path;

/** Turns the user's database setting into a JDBC URL. */
final class DatabaseUrls {
    private DatabaseUrls() {}

    static String normalize(String value, Path dataDir) {
        if (value.isEmpty()) return "jdbc:sqlite:" + dataDir.resolve("herald.db");
        if (value.startsWith("jdbc:sqlite:")) return value;
        if (value.startsWith("sqlite:")) return "jdbc:sqlite:" + value.substring("sqlite:".length());
        if (value.startsWith("jdbc:postgresql:") || value.startsWith("postgresql:") || value.startsWith("postgres:")) {
            throw new IllegalArgumentException("PostgreSQL is not supported by this build yet; use a SQLite path or leave it empty");
        }
        if (value.contains("://")) throw new IllegalArgumentException("unsupported database URL scheme; use a SQLite path or sqlite: URL");
        return "jdbc:sqlite:" + Path.of(value).toAbsolutePath().normalize();
    }
}
