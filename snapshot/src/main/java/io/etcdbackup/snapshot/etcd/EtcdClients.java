package io.etcdbackup.snapshot.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.api.AuthGrpc;
import io.etcd.jetcd.api.AuthenticateRequest;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;

import javax.net.ssl.SSLException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Makes clients for one etcd connection: jetcd clients for the ordinary API and raw gRPC
 * channels for the calls jetcd does not expose with flow control (snapshot streaming) or at all
 * (granting a lease with a chosen ID).
 */
public final class EtcdClients {

    /** Largest gRPC message accepted; large transactions and watch batches fit. */
    public static final int MAX_INBOUND_MESSAGE_BYTES = 256 * 1024 * 1024;

    private final EtcdConnection connection;

    public EtcdClients(EtcdConnection connection) {
        this.connection = connection;
    }

    public EtcdConnection connection() {
        return connection;
    }

    /** A jetcd client over all endpoints. The caller closes it. */
    public Client newClient() {
        return builder(connection.endpoints().stream().map(URI::toString).toArray(String[]::new)).build();
    }

    /** A jetcd client over {@code endpoints} (a subset of the connection's), same TLS and credentials. The caller closes it. */
    public Client newClient(java.util.List<URI> endpoints) {
        return builder(endpoints.stream().map(URI::toString).toArray(String[]::new)).build();
    }

    /** A jetcd client that talks only to the local member (for member-scoped calls). */
    public Client newLocalClient() {
        return builder(connection.localEndpoint().toString()).build();
    }

    private ClientBuilder builder(String... endpoints) {
        ClientBuilder builder = Client.builder()
                .endpoints(endpoints)
                .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES)
                .keepaliveTime(Duration.ofSeconds(30))
                .keepaliveTimeout(Duration.ofSeconds(10))
                .retryMaxAttempts(3);
        if (usesTls()) {
            builder.sslContext(sslContext());
        }
        connection.user().ifPresent(u -> builder.user(ByteSequence.from(u, StandardCharsets.UTF_8)));
        connection.password().ifPresent(p -> builder.password(ByteSequence.from(p, StandardCharsets.UTF_8)));
        return builder;
    }

    /**
     * A raw gRPC channel to one member. When etcd authentication is on, {@code authToken}
     * (obtained through jetcd's Auth API) is attached to every call.
     */
    public ManagedChannel newChannel(URI endpoint, String authToken) {
        NettyChannelBuilder builder = NettyChannelBuilder.forAddress(endpoint.getHost(), endpoint.getPort())
                .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES);
        if ("https".equals(endpoint.getScheme())) {
            builder.sslContext(sslContext());
        } else {
            builder.usePlaintext();
        }
        if (authToken != null) {
            Metadata headers = new Metadata();
            headers.put(Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER), authToken);
            builder.intercept(MetadataUtils.newAttachHeadersInterceptor(headers));
        }
        return builder.build();
    }

    /**
     * A raw gRPC channel to one member, authenticated when the connection names a user (the
     * token is fetched once through etcd's Auth service).
     */
    public ManagedChannel newChannel(URI endpoint) {
        if (connection.user().isEmpty()) {
            return newChannel(endpoint, null);
        }
        ManagedChannel anonymous = newChannel(endpoint, null);
        try {
            String token = AuthGrpc.newBlockingStub(anonymous)
                    .withDeadlineAfter(30, TimeUnit.SECONDS)
                    .authenticate(AuthenticateRequest.newBuilder()
                            .setName(connection.user().get())
                            .setPassword(connection.password().orElseThrow())
                            .build())
                    .getToken();
            return newChannel(endpoint, token);
        } finally {
            anonymous.shutdownNow();
        }
    }

    private boolean usesTls() {
        return connection.endpoints().stream().anyMatch(e -> "https".equals(e.getScheme()));
    }

    private SslContext sslContext() {
        try {
            SslContextBuilder builder = GrpcSslContexts.forClient();
            connection.caCert().ifPresent(ca -> builder.trustManager(ca.toFile()));
            if (connection.clientCert().isPresent()) {
                builder.keyManager(connection.clientCert().get().toFile(), connection.clientKey().orElseThrow().toFile());
            }
            return builder.build();
        } catch (SSLException e) {
            throw new IllegalArgumentException("cannot build TLS settings for etcd from the given certificate files: " + e.getMessage(), e);
        }
    }
}
