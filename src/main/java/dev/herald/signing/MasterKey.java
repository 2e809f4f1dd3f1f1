package dev.herald.signing;

import dev.herald.config.ConfigException;
import dev.herald.config.HeraldConfig;
import dev.herald.config.Settings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Set;

/**
 * Finds the key that encrypts secrets at rest: {@code HERALD_MASTER_KEY} when set, else the file
 * {@code master.key} in the data dir, created once (atomically, owner read/write only). Losing the
 * key makes stored secrets unreadable: back it up with the database.
 */
public final class MasterKey {
    public static final String FILE_NAME = "master.key";

    private MasterKey() {}

    public static byte[] load(HeraldConfig cfg) {
        if (!cfg.masterKey().isEmpty()) return decode(cfg.masterKey());
        Path file = cfg.dataDir().resolve(FILE_NAME);
        try {
            Files.createDirectories(cfg.dataDir());
            if (!Files.exists(file)) create(file);
            return decode(Files.readString(file, StandardCharsets.US_ASCII).trim());
        } catch (IOException e) {
            throw new ConfigException(Settings.MASTER_KEY.key(), "not set, and the key file " + file + " cannot be used: " + e.getMessage());
        }
    }

    private static void create(Path file) throws IOException {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        Path tmp = file.resolveSibling(FILE_NAME + ".tmp" + ProcessHandle.current().pid());
        Set<PosixFilePermission> ownerOnly = PosixFilePermissions.fromString("rw-------");
        try {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(ownerOnly));
        } catch (UnsupportedOperationException e) {
            Files.createFile(tmp);
        }
        Files.writeString(tmp, Base64.getEncoder().encodeToString(key) + "\n", StandardCharsets.US_ASCII, StandardOpenOption.WRITE);
        try {
            // Two processes starting at once: the first link wins, the second reads the winner's key.
            Files.createLink(file, tmp);
        } catch (FileAlreadyExistsException ignored) {
            // another process created it first
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    static byte[] decode(String text) {
        byte[] key;
        try {
            key = text.matches("[0-9a-fA-F]{64}") ? HexFormat.of().parseHex(text) : Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(Settings.MASTER_KEY.key(), "must be base64 or hex of 32 bytes (generate one with: openssl rand -base64 32)");
        }
        if (key.length != 32) {
            throw new ConfigException(Settings.MASTER_KEY.key(), "must decode to 32 bytes, got " + key.length + " (generate one with: openssl rand -base64 32)");
        }
        return key;
    }
}
