package dev.herald.mail;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Reads a decoded part stream into one exact-size array while hashing it. Bytes are gathered in 64 KiB
 * chunks and copied once at the end, so a part never costs more than twice its size (a doubling buffer
 * plus {@code toByteArray} would cost up to three times).
 */
final class PartBuffer {
    private static final int CHUNK = 64 * 1024;

    record Read(byte[] bytes, String sha256, boolean complete) {}

    private PartBuffer() {}

    static Read read(InputStream in) {
        MessageDigest sha = sha256();
        List<byte[]> chunks = new ArrayList<>();
        int last = 0;
        long total = 0;
        boolean complete = true;
        try {
            while (true) {
                byte[] chunk = new byte[CHUNK];
                int n = in.readNBytes(chunk, 0, CHUNK);
                if (n <= 0) break;
                sha.update(chunk, 0, n);
                chunks.add(chunk);
                last = n;
                total += n;
                if (n < CHUNK) break;
            }
        } catch (IOException | RuntimeException e) {
            complete = false;
        }
        if (total > Integer.MAX_VALUE - 16) throw new IllegalStateException("part larger than 2 GiB");
        byte[] out = new byte[(int) total];
        int pos = 0;
        for (int i = 0; i < chunks.size(); i++) {
            int len = i == chunks.size() - 1 ? last : CHUNK;
            System.arraycopy(chunks.get(i), 0, out, pos, len);
            chunks.set(i, null);
            pos += len;
        }
        return new Read(out, HexFormat.of().formatHex(sha.digest()), complete);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }
}
