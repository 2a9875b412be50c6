package io.agentgateway.chat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentgateway.common.GatewayHeaders;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * Relays the agent's streamed answer to the client line by line as it arrives. Runs on a stream thread (the
 * read blocks), never on an event loop. A cancel or disconnect aborts the call, which ends the read here.
 *
 * A plain loop rather than a Camel split: a splitter's tokenizer treats a read error as the end of input,
 * and a timed-out or cut-off agent must end the turn with an error, not as a complete answer.
 */
public class AgentStreamRelay implements Processor {

    private final ObjectMapper mapper;

    public AgentStreamRelay(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        Turn turn = exchange.getProperty(GatewayHeaders.TURN, Turn.class);
        if (turn.isFinished()) {
            return; // the agent call failed and the turn's error frame went out already
        }
        InputStream body = exchange.getMessage().getBody(InputStream.class);
        if (body == null) {
            turn.complete();
            return;
        }
        AgentCall call = AgentCall.of(body);
        turn.attach(call);
        AgentStreamDecoder decoder = new AgentStreamDecoder(mapper);
        boolean done = false;
        try {
            BufferedReader reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
            String line;
            // Before each read: while the client is too far behind, stop reading so TCP pushes back on the agent.
            while (!done && waitForRoom(turn) && (line = reader.readLine()) != null) {
                AgentStreamDecoder.Chunk chunk = decoder.decode(line);
                if (chunk.token() != null && !chunk.token().isEmpty() && !turn.emit(chunk.token())) {
                    call.abort();
                    return;
                }
                done = chunk.done();
            }
        } catch (IOException e) {
            call.abort();
            if (turn.isFinished()) {
                return; // the cancel or disconnect that aborted the call ended the turn already
            }
            throw e;
        } catch (RuntimeException e) {
            call.abort();
            throw e;
        }
        if (done) {
            call.abort(); // nothing more is wanted; do not wait for the agent to close its end
        }
        turn.complete();
    }

    /** False when the turn ended while waiting (cancelled, abandoned): stop reading. */
    private static boolean waitForRoom(Turn turn) throws IOException {
        try {
            turn.awaitRoom();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the client to read", e);
        }
        return !turn.isFinished();
    }
}
