package io.agentgateway.ws;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicInteger;

import io.agentgateway.testing.GatewayWithAgent;
import io.agentgateway.testing.RawWebSocket;
import io.agentgateway.testing.RawWebSocket.Frame;
import io.agentgateway.testing.RunningGateway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static io.agentgateway.testing.RawWebSocket.BINARY;
import static io.agentgateway.testing.RawWebSocket.CLOSE;
import static io.agentgateway.testing.RawWebSocket.CONT;
import static io.agentgateway.testing.RawWebSocket.PING;
import static io.agentgateway.testing.RawWebSocket.PONG;
import static io.agentgateway.testing.RawWebSocket.TEXT;
import static io.agentgateway.testing.RawWebSocket.utf8;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * RFC 6455 conformance of both WebSocket endpoints, probed with raw frames written byte by byte: each violation
 * gets the close code the RFC asks for, then the server closes TCP.
 */
class ProtocolStrictnessIT extends GatewayWithAgent {

    private static final int LIMIT = 4096;
    private static final Duration END = Duration.ofSeconds(10);
    private static final String CANCEL = "{\"type\":\"cancel\"}";
    private static final String NOTHING_TO_CANCEL = "{\"error\":\"Nothing to cancel: no answer is streaming\"}";
    private static final AtomicInteger SESSIONS = new AtomicInteger();

    @Override
    protected RunningGateway.Builder configure(RunningGateway.Builder builder) {
        return builder.property("gateway.ws.max-message-bytes", Integer.toString(LIMIT));
    }

    private RawWebSocket chat() throws Exception {
        return RawWebSocket.connect(gateway.port(), "/ws/strict-" + SESSIONS.incrementAndGet());
    }

    private RawWebSocket judgement() throws Exception {
        return RawWebSocket.connect(gateway.port(), "/ws");
    }

    /** The next frame is a close frame with this code, and then the server ends the TCP stream. */
    private static void assertClosedWith(RawWebSocket ws, int code) throws Exception {
        Frame f = ws.next();
        assertThat(f).as("a close frame before the end of the stream").isNotNull();
        assertThat(f.opcode()).as("opcode of %s", f).isEqualTo(CLOSE);
        assertThat(f.closeCode()).as("close code of %s", f).isEqualTo(code);
        assertThat(ws.endsWithin(END)).as("TCP closed after the close frame").isTrue();
    }

    private static void assertAnswers(RawWebSocket ws, String expectedReply) throws Exception {
        Frame f = ws.next();
        assertThat(f).isNotNull();
        assertThat(f.opcode()).as("opcode of %s", f).isEqualTo(TEXT);
        assertThat(f.text()).isEqualTo(expectedReply);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** A user_message whose content carries the given raw bytes. */
    private static byte[] messageWith(byte[] raw) {
        return concat(utf8("{\"type\":\"user_message\",\"content\":\"a"), raw, utf8("b\"}"));
    }

    // --- invalid UTF-8 -> 1007 -------------------------------------------------------------------------------

    @ParameterizedTest(name = "bytes {0}")
    @ValueSource(strings = {
            "c0af",         // overlong '/' in 2 bytes
            "e080af",       // overlong '/' in 3 bytes
            "f08080af",     // overlong '/' in 4 bytes
            "eda080",       // surrogate U+D800
            "edbfbf",       // surrogate U+DFFF
            "ff",           // never valid
            "fe",           // never valid
            "80",           // lone continuation byte
            "f4908080",     // above U+10FFFF
            "e282",         // truncated 3-byte sequence (before more text)
    })
    void invalidUtf8InATextMessageCloses1007(String hex) throws Exception {
        try (RawWebSocket ws = chat()) {
            ws.send(true, 0, TEXT, messageWith(HexFormat.of().parseHex(hex)));
            assertClosedWith(ws, 1007);
        }
    }

    @Test
    void aTextMessageEndingInsideASequenceCloses1007() throws Exception {
        try (RawWebSocket ws = chat()) {
            ws.send(true, 0, TEXT, concat(utf8("{\"a\":\"b\"}"), HexFormat.of().parseHex("f09f98")));
            assertClosedWith(ws, 1007);
        }
    }

    @Test
    void aBadFirstFragmentCloses1007WithoutWaitingForTheRest() throws Exception {
        try (RawWebSocket ws = chat()) {
            ws.send(false, 0, TEXT, concat(utf8("{\"type\":\""), HexFormat.of().parseHex("cebae1bdb9eda080")));
            assertClosedWith(ws, 1007);
        }
    }

    @Test
    void aSequenceBrokenAcrossFragmentsCloses1007() throws Exception {
        try (RawWebSocket ws = chat()) {
            ws.send(false, 0, TEXT, concat(utf8("{\"type\":\""), HexFormat.of().parseHex("e282")));
            ws.send(true, 0, CONT, utf8("x\"}"));
            assertClosedWith(ws, 1007);
        }
    }

    @Test
    void aCharacterSplitAcrossFragmentsIsFine() throws Exception {
        try (RawWebSocket ws = chat()) {
            ws.send(false, 0, TEXT, concat(utf8("{\"type\":\""), HexFormat.of().parseHex("e282")));
            ws.send(true, 0, CONT, concat(HexFormat.of().parseHex("ac"), utf8("\"}")));
            assertAnswers(ws, "{\"error\":\"Unsupported message type: \u20ac\"}");
        }
    }

    @Test
    void invalidUtf8InACloseReasonCloses1007() throws Exception {
        try (RawWebSocket ws = chat()) {
            ws.send(true, 0, CLOSE, RawWebSocket.closePayload(1000, HexFormat.of().parseHex("cebae1bdb9eda080")));
            assertClosedWith(ws, 1007);
        }
    }

    // --- RSV bits (no extension is ever negotiated) -> 1002 ----------------------------------------------------

    @ParameterizedTest(name = "rsv {0}")
    @ValueSource(ints = {4, 2, 1, 7})
    void rsvBitsOnATextFrameClose1002(int rsv) throws Exception {
        try (RawWebSocket ws = chat()) {
            ws.send(true, rsv, TEXT, utf8(CANCEL));
            assertClosedWith(ws, 1002);
        }
    }

    @Test
    void rsv1OnAPingCloses1002() throws Exception {
        try (RawWebSocket ws = chat()) {
            ws.send(true, 4, PING, utf8("hello"));
            assertClosedWith(ws, 1002);
        }
    }

    @Test
    void permessageDeflateIsNotNegotiatedSoRsv1StaysAnError() throws Exception {
        try (RawWebSocket ws = RawWebSocket.connect(gateway.port(), "/ws/strict-deflate",
                "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits")) {
            assertThat(ws.responseHeaders()).doesNotContainKey("sec-websocket-extensions");
            ws.sendText(CANCEL);
            assertAnswers(ws, NOTHING_TO_CANCEL);
            ws.send(true, 4, TEXT, utf8(CANCEL));
            assertClosedWith(ws, 1002);
        }
    }

    // --- framing violations -> 1002 ----------------------------------------------------------------------------

    @ParameterizedTest(name = "opcode {0}")
    @ValueSource(ints = {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF})
    void reservedOpcodesClose1002(int opcode) throws Exception {
        try (RawWebSocket ws = chat()) {
            ws.send(true, 0, opcode, utf8("x"));
            assertClosedWith(ws, 1002);
        }
    }

    @Test
    void aContinuationWithoutAStartCloses1002() throws Exception {
        try (RawWebSocket ws = chat()) {
            ws.send(true, 0, CONT, utf8(CANCEL));
            assertClosedWith(ws, 1002);
        }
    }

    @Test
    void aNewMessageInsideAFragmentedOneCloses1002() throws Exception {
        try (RawWebSocket ws = chat()) {
            ws.send(false, 0, TEXT, utf8("{\"type\":"));
            ws.send(true, 0, TEXT, utf8(CANCEL));
            assertClosedWith(ws, 1002);
        }
    }

    @Test
    void aControlFrameOver125BytesCloses1002() throws Exception {
        try (RawWebSocket ws = chat()) {
            ws.send(true, 0, PING, new byte[126]);
            assertClosedWith(ws, 1002);
        }
    }

    @Test
    void aFragmentedControlFrameCloses1002() throws Exception {
        try (RawWebSocket ws = chat()) {
            ws.send(false, 0, PING, utf8("part"));
            assertClosedWith(ws, 1002);
        }
    }

    @Test
    void anUnmaskedClientFrameCloses1002() throws Exception {
        try (RawWebSocket ws = chat()) {
            ws.sendBytes(RawWebSocket.frame(true, 0, TEXT, utf8(CANCEL), false));
            assertClosedWith(ws, 1002);
        }
    }

    @Test
    void a64BitLengthWithTheTopBitSetCloses1002() throws Exception {
        try (RawWebSocket ws = chat()) {
            ws.sendBytes(HexFormat.of().parseHex("81ff8000000000000001" + "01020304" + "41"));
            assertClosedWith(ws, 1002);
        }
    }

    // --- close frames ------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "code {0}")
    @ValueSource(ints = {0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535})
    void invalidCloseCodesClose1002(int code) throws Exception {
        try (RawWebSocket ws = chat()) {
            ws.send(true, 0, CLOSE, RawWebSocket.closePayload(code, new byte[0]));
            assertClosedWith(ws, 1002);
        }
    }

    @Test
    void aOneByteClosePayloadCloses1002() throws Exception {
        try (RawWebSocket ws = chat()) {
            ws.send(true, 0, CLOSE, new byte[] {0x03});
            assertClosedWith(ws, 1002);
        }
    }

    @Test
    void anOverLongClosePayloadCloses1002() throws Exception {
        try (RawWebSocket ws = chat()) {
            ws.send(true, 0, CLOSE, RawWebSocket.closePayload(1000, utf8("x".repeat(124))));
            assertClosedWith(ws, 1002);
        }
    }

    @ParameterizedTest(name = "code {0}")
    @ValueSource(ints = {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999})
    void validCloseCodesAreEchoed(int code) throws Exception {
        try (RawWebSocket ws = chat()) {
            ws.send(true, 0, CLOSE, RawWebSocket.closePayload(code, utf8("bye")));
            assertClosedWith(ws, code);
        }
    }

    @Test
    void aCloseWithoutACodeIsAnsweredNormally() throws Exception {
        try (RawWebSocket ws = chat()) {
            ws.send(true, 0, CLOSE, new byte[0]);
            Frame f = ws.next();
            assertThat(f.opcode()).isEqualTo(CLOSE);
            assertThat(f.closeCode()).isIn(-1, 1000);
            assertThat(ws.endsWithin(END)).isTrue();
        }
    }

    // --- fragments and sizes -----------------------------------------------------------------------------------

    @Test
    void aMessageWithEmptyFragmentsIsReassembledAndAnswered() throws Exception {
        try (RawWebSocket ws = chat()) {
            ws.send(false, 0, TEXT, new byte[0]);
            ws.send(false, 0, CONT, new byte[0]);
            ws.send(false, 0, CONT, utf8("{\"type\":"));
            ws.send(true, 0, PING, utf8("between fragments"));
            ws.send(false, 0, CONT, new byte[0]);
            ws.send(true, 0, CONT, utf8("\"cancel\"}"));
            Frame pong = ws.read();
            assertThat(pong.opcode()).isEqualTo(PONG);
            assertThat(pong.text()).isEqualTo("between fragments");
            assertAnswers(ws, NOTHING_TO_CANCEL);
            // the socket is still usable afterwards
            ws.sendText(CANCEL);
            assertAnswers(ws, NOTHING_TO_CANCEL);
        }
    }

    @Test
    void anEmptyFragmentedMessageIsOneEmptyMessage() throws Exception {
        try (RawWebSocket ws = chat()) {
            ws.send(false, 0, TEXT, new byte[0]);
            ws.send(true, 0, CONT, new byte[0]);
            Frame f = ws.next();
            assertThat(f.opcode()).isEqualTo(TEXT);
            assertThat(f.text()).startsWith("{\"error\":\"Invalid message");
        }
    }

    @Test
    void aBinaryMessageWithAnEmptyFirstFragmentIsRefusedAsBinary() throws Exception {
        try (RawWebSocket ws = chat()) {
            ws.send(false, 0, BINARY, new byte[0]);
            ws.send(true, 0, CONT, utf8(CANCEL));
            assertAnswers(ws, "{\"error\":\"Binary frames are not supported: send JSON as a text frame\"}");
        }
    }

    @Test
    void aMessageOverTheLimitGetsAnErrorFrameAndTheSocketStays() throws Exception {
        try (RawWebSocket ws = chat()) {
            ws.send(false, 0, TEXT, utf8("{\"type\":\"user_message\",\"content\":\"" + "x".repeat(LIMIT / 2)));
            ws.send(true, 0, CONT, utf8("x".repeat(LIMIT / 2) + "\"}"));
            assertAnswers(ws, "{\"error\":\"Message too large: the limit is " + LIMIT + " bytes\"}");
            ws.sendText(CANCEL);
            assertAnswers(ws, NOTHING_TO_CANCEL);
        }
    }

    @Test
    void aFrameOverTwiceTheLimitCloses1009() throws Exception {
        try (RawWebSocket ws = chat()) {
            ws.send(true, 0, TEXT, utf8("x".repeat(2 * LIMIT + 1)));
            assertClosedWith(ws, 1009);
        }
    }

    @Test
    void pingsAreAnsweredWithTheirPayload() throws Exception {
        try (RawWebSocket ws = chat()) {
            ws.send(true, 0, PING, utf8("are you there"));
            Frame f = ws.read();
            assertThat(f.opcode()).isEqualTo(PONG);
            assertThat(f.text()).isEqualTo("are you there");
        }
    }

    // --- the judgement endpoint is just as strict --------------------------------------------------------------

    @Test
    void theJudgementEndpointIsJustAsStrict() throws Exception {
        try (RawWebSocket ws = judgement()) {
            ws.send(false, 0, TEXT, new byte[0]);
            ws.send(true, 0, CONT, utf8("{\"type\":\"nope\"}"));
            assertAnswers(ws, "{\"error\":\"Unsupported message type: nope\"}");
            ws.send(true, 0, TEXT, messageWith(HexFormat.of().parseHex("eda080")));
            assertClosedWith(ws, 1007);
        }
        try (RawWebSocket ws = judgement()) {
            ws.send(true, 4, TEXT, utf8("{\"type\":\"nope\"}"));
            assertClosedWith(ws, 1002);
        }
        try (RawWebSocket ws = judgement()) {
            ws.send(true, 0, 0xB, new byte[0]);
            assertClosedWith(ws, 1002);
        }
        try (RawWebSocket ws = judgement()) {
            ws.send(true, 0, CLOSE, RawWebSocket.closePayload(1005, new byte[0]));
            assertClosedWith(ws, 1002);
        }
        try (RawWebSocket ws = judgement()) {
            ws.send(true, 0, TEXT, utf8("x".repeat(2 * LIMIT + 1)));
            assertClosedWith(ws, 1009);
        }
        try (RawWebSocket ws = judgement()) {
            ws.send(true, 0, CLOSE, RawWebSocket.closePayload(4000, new byte[0]));
            assertClosedWith(ws, 4000);
        }
    }

    @Test
    void aViolationOnOneSocketLeavesTheOthersAlone() throws Exception {
        try (RawWebSocket good = chat(); RawWebSocket bad = chat()) {
            bad.send(true, 0, 0x3, utf8("x"));
            assertClosedWith(bad, 1002);
            good.sendText(CANCEL);
            assertAnswers(good, NOTHING_TO_CANCEL);
            assertThat(gateway.get("/health").statusCode()).isEqualTo(200);
        }
    }
}
