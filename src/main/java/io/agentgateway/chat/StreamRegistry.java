package io.agentgateway.chat;

import java.util.Collection;
import java.util.Optional;

/** The answer streaming for each session: at most one at a time. */
public interface StreamRegistry {

    /** Makes {@code turn} its session's current answer; false when another is still streaming. */
    boolean begin(Turn turn);

    Optional<Turn> current(String sessionId);

    /** Forgets {@code turn} if it is still its session's current answer. */
    void end(Turn turn);

    int active();

    /** The answers streaming now (a copy). */
    Collection<Turn> streaming();
}
