package io.agentgateway.tool;

import io.agentgateway.auth.InternalKeyCheck;
import io.agentgateway.common.GatewayHeaders;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.model.rest.RestParamType;

/**
 * Tool calls: a trusted service asks a client's socket to run a tool and gets the client's answer as the HTTP
 * response. The request waits without holding a thread (ToolCallAwait on the async platform-http consumer).
 */
public class ToolRoutes extends RouteBuilder {

    @Override
    public void configure() {
        rest("/tool").description("Calls from trusted services")
                .post("/execute/{session_id}")
                    .id("tool-execute-rest")
                    .description("Sends a tool_call to the session's WebSocket and answers with the client's "
                                 + "tool_result. Waits up to timeout_s (default GATEWAY__REQUEST_TIMEOUT, capped by "
                                 + "GATEWAY__TOOL_MAX_TIMEOUT).")
                    .consumes("application/json").produces("application/json")
                    .param().name("session_id").type(RestParamType.path).required(true)
                        .description("the session whose socket runs the tool").endParam()
                    .param().name(InternalKeyCheck.HEADER).type(RestParamType.header).required(true)
                        .description("must equal GATEWAY__INTERNAL_API_KEY").endParam()
                    .param().name("body").type(RestParamType.body).required(true)
                        .description("{\"name\": string, \"arguments\": object, \"call_id\": string (optional), "
                                     + "\"timeout_s\": number (optional)}").endParam()
                    .responseMessage().code(200).message("the client's result: {call_id, result}").endResponseMessage()
                    .responseMessage().code(400).message("malformed body: {error}").endResponseMessage()
                    .responseMessage().code(401).message("missing or wrong X-Internal-Auth: {error}").endResponseMessage()
                    .responseMessage().code(404).message("no socket open for the session: {error}").endResponseMessage()
                    .responseMessage().code(409).message("a call with this call_id is pending: {error}").endResponseMessage()
                    .responseMessage().code(410).message("the socket closed while the call was pending: {call_id, error}")
                        .endResponseMessage()
                    .responseMessage().code(429).message("too many calls pending for the session: {error}")
                        .endResponseMessage()
                    .responseMessage().code(502).message("the client answered with an error: {call_id, error}")
                        .endResponseMessage()
                    .responseMessage().code(504).message("no answer in time: {call_id, error}").endResponseMessage()
                    .to("direct:tool-execute");

        from("direct:tool-execute").routeId("tool-execute")
                .routePolicyRef("toolCallMetrics")   // counts every status answered (gateway_tool_calls_total)
                .process("internalKeyCheck")
                .process("toolRequestParser")
                .process("toolCallDispatcher")   // registers the call; body = its tool_call frame
                .choice()
                    .when(exchangeProperty(GatewayHeaders.REMOTE_HOLDER).isNotNull())
                        .process("toolCallForwarder") // the socket is on another instance (Redis)
                    .otherwise()
                        .to("direct:ws-reply")   // to the session's stream and socket here
                .end()
                .process("toolCallAwait");       // the client's tool_result, a timeout, or the socket's close

        // tool_call, tool_result and tool_failed messages from the other instances (route session-relay)
        from("direct:tool-relay").routeId("tool-relay")
                .process("toolRelay");

        from("direct:tool-result").routeId("tool-result")
                .process("toolResults");
    }
}
