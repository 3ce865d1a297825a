package io.etcdbackup.agent.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.javalin.http.Context;

import java.io.UncheckedIOException;

/**
 * How the API answers: a body (a record of this package) serialised as JSON, with the fields in
 * the record's order and {@code null} written out unless the record says otherwise; an error as
 * {@code {"error": message}}.
 */
final class Responses {

    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    private Responses() {
    }

    /** {@code body} as JSON; a body that cannot be serialised is a programming error. */
    static String json(Object body) {
        try {
            return JSON.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Answers {@code status} with {@code body} as JSON. */
    static void json(Context ctx, int status, Object body) {
        ctx.status(status).contentType("application/json").result(json(body));
    }

    /** Answers {@code status} with {@code {"error": message}} (an empty string for no message). */
    static void error(Context ctx, int status, String message) {
        json(ctx, status, new ErrorBody(message == null ? "" : message));
    }

    /** The first line of {@code e}'s message, or its class's simple name when it has none. */
    static String oneLine(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    /** The body of every error answer. */
    record ErrorBody(String error) {
    }
}
