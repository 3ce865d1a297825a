package io.etcdbackup.agent.values;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;

import java.io.IOException;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How the API server stores an object in protobuf: the 4 bytes {@code k8s\0}, then a runtime.Unknown
 * message (1: TypeMeta {1: apiVersion, 2: kind}, 2: raw, the object's own protobuf, 3: contentEncoding,
 * 4: contentType). Read here with {@link CodedInputStream}: the envelope needs no schema.
 *
 * @param raw the object's own protobuf bytes (empty when the field is absent)
 * @param contentEncoding empty in what the API server writes; anything else means raw is not plain protobuf
 */
record KubernetesEnvelope(String apiVersion, String kind, ByteString raw, String contentEncoding) {

    private static final byte[] MAGIC = {'k', '8', 's', 0};
    /** {@code v1}, or {@code group/version} with a DNS subdomain as group. */
    private static final Pattern API_VERSION = Pattern.compile("([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?/)?[a-z0-9]{1,63}");
    /** A Go type name, as kinds are. */
    private static final Pattern KIND = Pattern.compile("[A-Za-z][A-Za-z0-9]{0,255}");

    private static final int UNKNOWN_TYPE_META = 1;
    private static final int UNKNOWN_RAW = 2;
    private static final int UNKNOWN_CONTENT_ENCODING = 3;
    private static final int UNKNOWN_CONTENT_TYPE = 4;
    private static final int TYPE_META_API_VERSION = 1;
    private static final int TYPE_META_KIND = 2;

    private static boolean hasMagic(byte[] value) {
        if (value.length < MAGIC.length) {
            return false;
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (value[i] != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * The envelope of a value that starts with {@code k8s\0}; empty when what follows is not a well-formed
     * runtime.Unknown, or its TypeMeta lacks a valid apiVersion or kind. Never throws on any bytes.
     */
    static Optional<KubernetesEnvelope> parse(byte[] value) {
        if (!hasMagic(value)) {
            return Optional.empty();
        }
        try {
            return parseUnknown(CodedInputStream.newInstance(value, MAGIC.length, value.length - MAGIC.length));
        } catch (IOException malformed) {
            // InvalidProtocolBufferException: truncated, a bad tag or length, a string that is not UTF-8
            return Optional.empty();
        }
    }

    /** Whether the two strings can be an object's apiVersion and kind (so they are safe to print on one line). */
    static boolean isTypeMeta(String apiVersion, String kind) {
        return API_VERSION.matcher(apiVersion).matches() && KIND.matcher(kind).matches();
    }

    private static Optional<KubernetesEnvelope> parseUnknown(CodedInputStream in) throws IOException {
        TypeMeta typeMeta = null;
        ByteString raw = ByteString.EMPTY;
        String contentEncoding = "";
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            int field = WireFormat.getTagFieldNumber(tag);
            boolean lengthDelimited = WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED;
            if (field >= UNKNOWN_TYPE_META && field <= UNKNOWN_CONTENT_TYPE && !lengthDelimited) {
                return Optional.empty();
            }
            switch (field) {
                case UNKNOWN_TYPE_META -> typeMeta = parseTypeMeta(in.readBytes().newCodedInput());
                case UNKNOWN_RAW -> raw = in.readBytes();
                case UNKNOWN_CONTENT_ENCODING -> contentEncoding = in.readStringRequireUtf8();
                case UNKNOWN_CONTENT_TYPE -> in.readStringRequireUtf8();
                default -> {
                    if (!in.skipField(tag)) {
                        return Optional.empty(); // an end-group tag with no group open
                    }
                }
            }
        }
        if (typeMeta == null || !isTypeMeta(typeMeta.apiVersion(), typeMeta.kind())) {
            return Optional.empty();
        }
        return Optional.of(new KubernetesEnvelope(typeMeta.apiVersion(), typeMeta.kind(), raw, contentEncoding));
    }

    private record TypeMeta(String apiVersion, String kind) {
    }

    /** Each field empty when absent. */
    private static TypeMeta parseTypeMeta(CodedInputStream in) throws IOException {
        String apiVersion = "";
        String kind = "";
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            int field = WireFormat.getTagFieldNumber(tag);
            boolean lengthDelimited = WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED;
            if (field == TYPE_META_API_VERSION && lengthDelimited) {
                apiVersion = in.readStringRequireUtf8();
            } else if (field == TYPE_META_KIND && lengthDelimited) {
                kind = in.readStringRequireUtf8();
            } else if (!in.skipField(tag)) {
                return new TypeMeta("", "");
            }
        }
        return new TypeMeta(apiVersion, kind);
    }
}
