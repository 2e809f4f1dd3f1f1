package dev.herald.config;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Turns the user's database setting into a JDBC URL and, for PostgreSQL, the credentials it carried. */
final class DatabaseUrls {
    private DatabaseUrls() {}

    /** A JDBC URL without credentials in it (where the user gave them in {@code user:pass@} form) and those credentials. */
    record Target(String jdbcUrl, String user, String password) {}

    static Target normalize(String value, Path dataDir) {
        if (value.isEmpty()) return sqlite("jdbc:sqlite:" + dataDir.resolve("herald.db"));
        if (value.startsWith("jdbc:sqlite:")) return sqlite(value);
        if (value.startsWith("sqlite:")) return sqlite("jdbc:sqlite:" + value.substring("sqlite:".length()));
        if (value.startsWith("jdbc:postgresql:")) return new Target(value, null, null);
        if (value.startsWith("postgresql://")) return postgres(value.substring("postgresql://".length()));
        if (value.startsWith("postgres://")) return postgres(value.substring("postgres://".length()));
        if (value.contains("://")) {
            throw new IllegalArgumentException("unsupported database URL scheme; use a SQLite path, a sqlite: URL, "
                    + "postgresql://user:password@host:5432/database or jdbc:postgresql://host:5432/database");
        }
        return sqlite("jdbc:sqlite:" + Path.of(value).toAbsolutePath().normalize());
    }

    private static Target sqlite(String url) {
        return new Target(url, null, null);
    }

    /** {@code [user[:password]@]host[:port][,host2[:port]]/database[?params]}, the libpq URI form. */
    private static Target postgres(String rest) {
        int slash = rest.indexOf('/');
        String authority = slash < 0 ? rest : rest.substring(0, slash);
        String path = slash < 0 ? "" : rest.substring(slash);
        String user = null;
        String password = null;
        int at = authority.lastIndexOf('@');
        if (at >= 0) {
            String info = authority.substring(0, at);
            authority = authority.substring(at + 1);
            int colon = info.indexOf(':');
            user = decode(colon < 0 ? info : info.substring(0, colon));
            password = colon < 0 ? null : decode(info.substring(colon + 1));
            if (user.isEmpty()) user = null;
        }
        if (authority.isEmpty()) throw new IllegalArgumentException("the PostgreSQL URL names no host");
        String database = path.isEmpty() ? "" : path.substring(1).split("\\?", 2)[0];
        if (database.isEmpty()) throw new IllegalArgumentException("the PostgreSQL URL names no database (postgresql://host:5432/database)");
        return new Target("jdbc:postgresql://" + authority + path, user, password);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }
}
