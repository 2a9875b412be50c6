package io.agentgateway.common;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ServerFramesTest {

    private final ObjectMapper mapper = new ObjectMapper();
    private final ServerFrames frames = new ServerFrames(mapper);

    @Test
    void aTokenFrameIsValidJsonWhateverTheTokenHolds() throws Exception {
        String nasty = "say \"hi\"\\ \n\t\u0001 é 漢字 😀 </script>";
        JsonNode f = mapper.readTree(frames.token(nasty, false, 41));
        assertThat(f.path("type").asText()).isEqualTo("assistant_message");
        assertThat(f.path("token").asText()).isEqualTo(nasty);
        assertThat(f.path("is_final").asBoolean()).isFalse();
        assertThat(f.path("seq").asLong()).isEqualTo(41);
        assertThat(f.size()).isEqualTo(4);
        assertThat(mapper.readTree(frames.token("", true, 0)).path("is_final").asBoolean()).isTrue();
    }
}
