package io.agentgateway.chat;

import java.util.Arrays;

/**
 * Cuts an agent's body into lines as its chunks arrive. A line may be split across chunks anywhere, even inside a
 * multi-byte character (lines are cut on bytes and decoded whole). {@code \n}, {@code \r\n} and a lone {@code \r} end
 * a line, as {@code BufferedReader.readLine} reads them, so a {@code \r\n} split between two chunks is one line end.
 * Not thread-safe: one instance per stream, fed from that stream's event loop.
 */
final class AgentStreamLines {

    /**
     * Told each whole line, without its line end, as UTF-8 bytes it may read only during the call (no String per
     * line: the decoder parses the bytes); false to stop (the rest of the chunk is not looked at).
     */
    @FunctionalInterface
    interface LineHandler {
        boolean line(byte[] bytes, int offset, int length);
    }

    private static final int INITIAL = 256;
    private static final byte[] NONE = new byte[0];
    /** past this a finished partial line's buffer is dropped rather than kept for the next one */
    private static final int KEEP_AT_MOST = 64 * 1024;

    private final int maxLineBytes;
    /** allocated at the first line split across chunks: most streams' lines never are */
    private byte[] partial = NONE;
    private int partialLength;
    /** the last chunk ended with \r: a \n at the start of the next one belongs to it */
    private boolean skipLineFeed;
    /** the length of the line {@link #take} last returned from the partial buffer */
    private int taken;

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
        return feed(chunk, 0, chunk.length, handler);
    }

    /**
     * The same for the chunk {@code chunk[from, to)}: a received buffer's own bytes, read in place rather than copied
     * first. Nothing outside that range is read; nothing of it is kept after the call but a copy of its unfinished end.
     */
    boolean feed(byte[] chunk, int from, int to, LineHandler handler) {
        int start = from;
        if (to > from && skipLineFeed) {
            skipLineFeed = false;
            if (chunk[from] == '\n') {
                start = from + 1;
            }
        }
        for (int i = start; i < to; i++) {
            byte b = chunk[i];
            if (b != '\n' && b != '\r') {
                continue;
            }
            byte[] line = take(chunk, start, i);
            int offset = line == chunk ? start : 0;
            int length = line == chunk ? i - start : taken;
            if (b == '\r') {
                if (i + 1 == to) {
                    skipLineFeed = true;
                } else if (chunk[i + 1] == '\n') {
                    i++;
                }
            }
            start = i + 1;
            if (!handler.line(line, offset, length)) {
                return false;
            }
        }
        keep(chunk, start, to);
        return true;
    }

    /** The body ended: its last line, if it had no line end, goes to {@code handler}. */
    boolean finish(LineHandler handler) {
        skipLineFeed = false;
        if (partialLength == 0) {
            return true;
        }
        byte[] line = take(NONE, 0, 0);
        return handler.line(line, 0, taken);
    }

    /**
     * The bytes holding the line that ends at {@code to}: {@code chunk} itself when the line is all in it, else the
     * kept partial line with the chunk's part added ({@link #taken} bytes long), to be read before the next feed.
     */
    private byte[] take(byte[] chunk, int from, int to) {
        if (partialLength == 0) {
            checkLength(to - from);
            return chunk;
        }
        keep(chunk, from, to);
        byte[] line = partial;
        taken = partialLength;
        partialLength = 0;
        if (partial.length > KEEP_AT_MOST) {
            partial = NONE; // the long line's buffer goes once the handler has read it
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
            partial = Arrays.copyOf(partial,
                    Math.min(maxLineBytes, Math.max(Math.max(INITIAL, partial.length * 2), partialLength + n)));
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
