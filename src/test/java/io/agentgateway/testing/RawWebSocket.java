package io.agentgateway.testing;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A WebSocket client on a plain {@link Socket}, for protocol tests: it writes any frame, valid or not, byte by byte
 * with a flush after each byte (as RFC 6455 conformance suites do), and reads the server's frames raw.
 * <p>
 * Once the server has failed the connection, further writes may hit a reset socket; they are then skipped, so a
 * test can always go on to read the close frame the server sent.
 */
public final class RawWebSocket implements AutoCloseable {

    public static final int CONT = 0x0, TEXT = 0x1, BINARY = 0x2, CLOSE = 0x8, PING = 0x9, PONG = 0xA;
    private static final Duration WAIT = Duration.ofSeconds(10);

    /** One frame from the server. */
    public record Frame(boolean fin, int rsv, int opcode, byte[] payload) {
        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        /** The close code, or -1 for a close frame without one. */
        public int closeCode() {
            return payload.length < 2 ? -1 : ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF);
        }

        @Override
        public String toString() {
            return "Frame[fin=" + fin + ", rsv=" + rsv + ", opcode=" + opcode + ", "
                    + (opcode == CLOSE ? "code=" + closeCode() + ", " : "") + "payload=" + text() + "]";
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final Map<String, String> responseHeaders;
    private boolean writeFailed;

    private RawWebSocket(Socket socket, Map<String, String> responseHeaders) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        this.responseHeaders = responseHeaders;
    }

    /** Opens a socket and completes the opening handshake (checking 101 and Sec-WebSocket-Accept). */
    public static RawWebSocket connect(int port, String path, String... extraHeaderLines) throws Exception {
        return connect(port, path, 0, extraHeaderLines);
    }

    /**
     * As {@link #connect(int, String, String...)}, with the socket's receive buffer set first (0: the system's), so a
     * client that stops reading stops the server's writes soon.
     */
    public static RawWebSocket connect(int port, String path, int receiveBufferBytes, String... extraHeaderLines)
            throws Exception {
        Socket socket = new Socket();
        if (receiveBufferBytes > 0) {
            socket.setReceiveBufferSize(receiveBufferBytes);
        }
        socket.connect(new java.net.InetSocketAddress("127.0.0.1", port));
        socket.setTcpNoDelay(true);
        socket.setSoTimeout((int) WAIT.toMillis());
        byte[] nonce = new byte[16];
        ThreadLocalRandom.current().nextBytes(nonce);
        String key = Base64.getEncoder().encodeToString(nonce);
        StringBuilder request = new StringBuilder()
                .append("GET ").append(path).append(" HTTP/1.1\r\n")
                .append("Host: 127.0.0.1:").append(port).append("\r\n")
                .append("Upgrade: websocket\r\nConnection: Upgrade\r\n")
                .append("Sec-WebSocket-Key: ").append(key).append("\r\n")
                .append("Sec-WebSocket-Version: 13\r\n");
        for (String line : extraHeaderLines) {
            request.append(line).append("\r\n");
        }
        request.append("\r\n");
        socket.getOutputStream().write(request.toString().getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();

        InputStream in = socket.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                socket.close();
                throw new EOFException("connection closed during the handshake: " + head);
            }
            head.write(b);
        }
        String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        if (!lines[0].startsWith("HTTP/1.1 101")) {
            socket.close();
            throw new IOException("handshake refused: " + lines[0]);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
        }
        String expected = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
                .digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII)));
        if (!expected.equals(headers.get("sec-websocket-accept"))) {
            socket.close();
            throw new IOException("bad Sec-WebSocket-Accept: " + headers);
        }
        return new RawWebSocket(socket, headers);
    }

    /** The handshake response's headers, names in lower case. */
    public Map<String, String> responseHeaders() {
        return responseHeaders;
    }

    /** A masked frame, as a client must send. */
    public static byte[] frame(boolean fin, int rsv, int opcode, byte[] payload) {
        return frame(fin, rsv, opcode, payload, true);
    }

    /**
     * A frame with the shortest length encoding.
     *
     * @param rsv the three RSV bits as a number 0-7 (4 = RSV1, 2 = RSV2, 1 = RSV3)
     */
    public static byte[] frame(boolean fin, int rsv, int opcode, byte[] payload, boolean masked) {
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        f.write((fin ? 0x80 : 0) | (rsv & 7) << 4 | (opcode & 0x0F));
        int maskBit = masked ? 0x80 : 0;
        if (payload.length < 126) {
            f.write(maskBit | payload.length);
        } else if (payload.length < 65536) {
            f.write(maskBit | 126);
            f.write(payload.length >>> 8);
            f.write(payload.length & 0xFF);
        } else {
            f.write(maskBit | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                f.write((int) ((long) payload.length >>> shift) & 0xFF);
            }
        }
        byte[] mask = new byte[4];
        if (masked) {
            ThreadLocalRandom.current().nextBytes(mask);
            f.writeBytes(mask);
        }
        for (int i = 0; i < payload.length; i++) {
            f.write(payload[i] ^ mask[i & 3]);
        }
        return f.toByteArray();
    }

    public static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The payload of a close frame: code and reason. */
    public static byte[] closePayload(int code, byte[] reason) {
        byte[] p = new byte[2 + reason.length];
        p[0] = (byte) (code >>> 8);
        p[1] = (byte) code;
        System.arraycopy(reason, 0, p, 2, reason.length);
        return p;
    }

    /** Writes raw bytes one at a time, each flushed; stops quietly once the server has closed the connection. */
    public RawWebSocket sendBytes(byte[] bytes) {
        for (byte b : bytes) {
            if (writeFailed) {
                return this;
            }
            try {
                out.write(b);
                out.flush();
            } catch (IOException e) {
                writeFailed = true;
            }
        }
        return this;
    }

    public RawWebSocket send(boolean fin, int rsv, int opcode, byte[] payload) {
        return sendBytes(frame(fin, rsv, opcode, payload));
    }

    public RawWebSocket sendText(String text) {
        return send(true, 0, TEXT, utf8(text));
    }

    /** The next frame, or null at the end of the stream (FIN, or a reset after the server closed). */
    public Frame read(Duration wait) throws IOException {
        socket.setSoTimeout((int) Math.max(1, wait.toMillis()));
        try {
            int b0 = in.read();
            if (b0 < 0) {
                return null;
            }
            int b1 = readByte();
            long length = b1 & 0x7F;
            if (length == 126) {
                length = (readByte() << 8) | readByte();
            } else if (length == 127) {
                length = 0;
                for (int i = 0; i < 8; i++) {
                    length = (length << 8) | readByte();
                }
            }
            if ((b1 & 0x80) != 0) {
                throw new IOException("the server sent a masked frame");
            }
            byte[] payload = in.readNBytes((int) length);
            if (payload.length != length) {
                throw new EOFException("stream ended inside a frame");
            }
            return new Frame((b0 & 0x80) != 0, (b0 >> 4) & 7, b0 & 0x0F, payload);
        } catch (SocketException reset) {
            return null; // the server closed while our bytes were still arriving: the kernel answers with RST
        }
    }

    public Frame read() throws IOException {
        return read(WAIT);
    }

    private int readByte() throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException("stream ended inside a frame");
        }
        return b;
    }

    /** Whether the server has ended the stream within the wait (nothing more than pings/pongs may come first). */
    public boolean endsWithin(Duration wait) throws IOException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            try {
                Frame f = read(Duration.ofNanos(left));
                if (f == null) {
                    return true;
                }
                if (f.opcode() != PING && f.opcode() != PONG) {
                    throw new IOException("expected the end of the stream, got " + f);
                }
            } catch (SocketTimeoutException e) {
                return false;
            }
        }
    }

    /** The next frame that is not a ping or pong (null at the end of the stream). */
    public Frame next() throws IOException {
        while (true) {
            Frame f = read();
            if (f == null || f.opcode() != PING && f.opcode() != PONG) {
                return f;
            }
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
