package io.agentgateway.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;

/**
 * {@code GET /asyncapi.yaml}: the AsyncAPI document of the two WebSocket protocols (docs/asyncapi.yaml, packaged
 * in the jar by the pom), next to the OpenAPI document of the REST API at {@code /openapi.json}.
 */
public class DocumentRoutes extends RouteBuilder {

    /** Where the pom's resources section puts docs/asyncapi.yaml on the classpath. */
    static final String ASYNCAPI_RESOURCE = "docs/asyncapi.yaml";
    static final String YAML = "application/yaml";

    @Override
    public void configure() {
        // Read once at start-up: the document is part of the build, and a jar without it should not start.
        byte[] document = read(ASYNCAPI_RESOURCE);

        rest("/asyncapi.yaml").description("The AsyncAPI 3.0 document of the WebSocket protocols")
                .get()
                    .id("asyncapi-document-rest")
                    .produces(YAML)
                    .responseMessage().code(200).message("The AsyncAPI 3.0 document (YAML)").endResponseMessage()
                    .to("direct:asyncapi-document");

        from("direct:asyncapi-document").routeId("asyncapi-document")
                .removeHeaders("*")
                .setHeader(Exchange.HTTP_RESPONSE_CODE, constant(200))
                .setHeader(Exchange.CONTENT_TYPE, constant(YAML))
                .setBody(exchange -> document);
    }

    private static byte[] read(String resource) {
        try (InputStream in = DocumentRoutes.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is not on the classpath: the build must package it");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }
}
