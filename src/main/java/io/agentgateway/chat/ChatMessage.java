package io.agentgateway.chat;

/** One message of a conversation, as OpenAI-compatible agents expect it. */
public record ChatMessage(String role, String content) {
}
