package io.agentgateway.chat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Cuts an agent's body into lines as its chunks arrive. A line may be split across chunks anywhere, even inside a
 * multi-byte character (lines are cut on bytes and decoded whole). {@code \n}, {@code \r\n} and a lone {@code \r} end
 * a line, as {@code BufferedReader.readLine} reads them, so a {@code \r\n} split between two chunks is one line end.
 * Not thread-safe: one instance per stream, fed from that stream's event loop.
 */
final class AgentStreamLines {

    /** Told each whole line, without its line end; false to stop (the rest of the chunk is not looked at). */
    @FunctionalInterface
    interface LineHandler {
        boolean line(String line);
    }

    private static final int INITIAL = 256;
    /** past this a finished partial line's buffer is dropped rather than kept for the next one */
    private static final int KEEP_AT_MOST = 64 * 1024;

    private final int maxLineBytes;
    private byte[] partial = new byte[INITIAL];
    private int partialLength;
    /** the last chunk ended with \r: a \n at the start of the next one belongs to it */
    private boolean skipLineFeed;

    AgentStreamLines(int maxLineBytes) {
        this.maxLineBytes = maxLineBytes;
    }

    /**
     * Hands every line the chunk completes to {@code handler} and keeps the unfinished rest for the next chunk.
     *
     * @return false when the handler asked to stop
     * @throws AgentStreamException for a line longer than the limit
     */
    boolean feed(byte[] chunk, LineHandler handler) {
        int start = 0;
        if (chunk.length > 0 && skipLineFeed) {
            skipLineFeed = false;
            if (chunk[0] == '\n') {
                start = 1;
            }
        }
        for (int i = start; i < chunk.length; i++) {
            byte b = chunk[i];
            if (b != '\n' && b != '\r') {
                continue;
            }
            String line = take(chunk, start, i);
            if (b == '\r') {
                if (i + 1 == chunk.length) {
                    skipLineFeed = true;
                } else if (chunk[i + 1] == '\n') {
                    i++;
                }
            }
            start = i + 1;
            if (!handler.line(line)) {
                return false;
            }
        }
        keep(chunk, start, chunk.length);
        return true;
    }

    /** The body ended: its last line, if it had no line end, goes to {@code handler}. */
    boolean finish(LineHandler handler) {
        skipLineFeed = false;
        if (partialLength == 0) {
            return true;
        }
        return handler.line(take(new byte[0], 0, 0));
    }

    private String take(byte[] chunk, int from, int to) {
        if (partialLength == 0) {
            checkLength(to - from);
            return new String(chunk, from, to - from, StandardCharsets.UTF_8);
        }
        keep(chunk, from, to);
        String line = new String(partial, 0, partialLength, StandardCharsets.UTF_8);
        partialLength = 0;
        if (partial.length > KEEP_AT_MOST) {
            partial = new byte[INITIAL];
        }
        return line;
    }

    private void keep(byte[] chunk, int from, int to) {
        int n = to - from;
        if (n == 0) {
            return;
        }
        checkLength(partialLength + n);
        if (partialLength + n > partial.length) {
            partial = Arrays.copyOf(partial, Math.min(maxLineBytes, Math.max(partial.length * 2, partialLength + n)));
        }
        System.arraycopy(chunk, from, partial, partialLength, n);
        partialLength += n;
    }

    private void checkLength(long bytes) {
        if (bytes > maxLineBytes) {
            throw new AgentStreamException("Agent sent a malformed stream: a line longer than " + maxLineBytes
                                           + " bytes");
        }
    }
}
