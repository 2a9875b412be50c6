package io.agentgateway.protocol;

/** A validated frame from a client. */
public sealed interface ClientFrame {

    /** The frame's {@code type} as the client sent it. */
    String type();

    /** {@code {"type": "user_message", "content": "...", "role": "user"}}: start an answer. */
    record UserMessage(String content) implements ClientFrame {
        public static final String TYPE = "user_message";

        @Override
        public String type() {
            return TYPE;
        }
    }

    /** {@code {"type": "cancel"}}: stop the answer that is streaming. */
    record Cancel() implements ClientFrame {
        public static final String TYPE = "cancel";

        @Override
        public String type() {
            return TYPE;
        }
    }
}
