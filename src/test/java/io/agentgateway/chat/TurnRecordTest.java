package io.agentgateway.chat;

import java.util.ArrayList;
import java.util.List;

import io.agentgateway.chat.TurnMetricsTest.QuietStream;
import io.agentgateway.chat.TurnMetricsTest.Recording;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What a completed turn hands its recorder, with the history on and off; the client's frames are the same. */
class TurnRecordTest {

    private final List<String> recorded = new ArrayList<>();

    @Test
    void aTurnGatheringItsAnswerRecordsTheWholeText() {
        QuietStream stream = answer(true, "Hel", "lo ", "é😀");
        assertThat(recorded).containsExactly("Hello é😀");
        assertThat(stream.frames).hasSize(4);
    }

    @Test
    void aTurnNotGatheringItsAnswerRecordsNothingButStreamsEveryToken() {
        QuietStream stream = answer(false, "Hel", "lo ", "é😀");
        assertThat(recorded).containsExactly("");
        assertThat(stream.frames).hasSize(4).first().asString().contains("\"Hel\"");
        assertThat(stream.frames.get(2)).contains("é😀");
    }

    @Test
    void historyKeepsAnswersUnlessItsLimitIsZero() {
        assertThat(new InMemoryConversationHistory(0).keeps()).isFalse();
        assertThat(new InMemoryConversationHistory(1).keeps()).isTrue();
    }

    private QuietStream answer(boolean gather, String... tokens) {
        QuietStream stream = new QuietStream();
        Turn turn = TurnMetricsTest.quietTurn("s", "hi", stream, gather, (t, answer, then) -> {
            recorded.add(answer);
            then.run();
        }, new Recording());
        for (String token : tokens) {
            assertThat(turn.emit(token)).isTrue();
        }
        assertThat(turn.complete()).isTrue();
        return stream;
    }
}
