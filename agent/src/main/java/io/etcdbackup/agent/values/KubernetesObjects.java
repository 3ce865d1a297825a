package io.etcdbackup.agent.values;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import io.kubernetes.client.proto.V1;
import io.kubernetes.client.proto.V1Admissionregistration;
import io.kubernetes.client.proto.V1Apiextensions;
import io.kubernetes.client.proto.V1Apps;
import io.kubernetes.client.proto.V1Autoscaling;
import io.kubernetes.client.proto.V1Batch;
import io.kubernetes.client.proto.V1Certificates;
import io.kubernetes.client.proto.V1Coordination;
import io.kubernetes.client.proto.V1Discovery;
import io.kubernetes.client.proto.V1Events;
import io.kubernetes.client.proto.V1Flowcontrol;
import io.kubernetes.client.proto.V1Networking;
import io.kubernetes.client.proto.V1Node;
import io.kubernetes.client.proto.V1Policy;
import io.kubernetes.client.proto.V1Rbac;
import io.kubernetes.client.proto.V1Resource;
import io.kubernetes.client.proto.V1Scheduling;
import io.kubernetes.client.proto.V1Storage;
import io.kubernetes.client.proto.V1alpha1Apiserverinternal;
import io.kubernetes.client.proto.V1beta1Admissionregistration;
import io.kubernetes.client.proto.V1beta1Apiextensions;
import io.kubernetes.client.proto.V1beta1Apps;
import io.kubernetes.client.proto.V1beta1Batch;
import io.kubernetes.client.proto.V1beta1Certificates;
import io.kubernetes.client.proto.V1beta1Extensions;
import io.kubernetes.client.proto.V1beta1Policy;
import io.kubernetes.client.proto.V1beta1Rbac;
import io.kubernetes.client.proto.V1beta1Storage;
import io.kubernetes.client.proto.V1beta1Storagemigration;
import io.kubernetes.client.proto.V1beta2Apps;
import io.kubernetes.client.proto.V2Autoscaling;
import io.kubernetes.client.proto.V2beta1Autoscaling;
import io.kubernetes.client.proto.V2beta2Autoscaling;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import static java.util.Map.entry;

/**
 * Decodes the object inside a {@link KubernetesEnvelope} with the schemas of the built-in kinds from
 * the Kubernetes Java client's {@code client-java-proto}. Only the schemas (descriptors) are used, with
 * {@link DynamicMessage}: never the library's generated message classes.
 */
final class KubernetesObjects {

    private static final Logger LOG = LoggerFactory.getLogger(KubernetesObjects.class);

    /**
     * The schema file of each apiVersion the API server stores built-in objects in: the current storage
     * versions, and the older ones that objects written by earlier releases may still be in. A kind is a
     * message of its apiVersion's file. Each file is loaded on first use.
     */
    private static final Map<String, Supplier<FileDescriptor>> SCHEMAS = Map.ofEntries(
            entry("v1", V1::getDescriptor),
            entry("apps/v1", V1Apps::getDescriptor),
            entry("batch/v1", V1Batch::getDescriptor),
            entry("autoscaling/v1", V1Autoscaling::getDescriptor),
            entry("autoscaling/v2", V2Autoscaling::getDescriptor),
            entry("policy/v1", V1Policy::getDescriptor),
            entry("rbac.authorization.k8s.io/v1", V1Rbac::getDescriptor),
            entry("networking.k8s.io/v1", V1Networking::getDescriptor),
            entry("storage.k8s.io/v1", V1Storage::getDescriptor),
            entry("scheduling.k8s.io/v1", V1Scheduling::getDescriptor),
            entry("coordination.k8s.io/v1", V1Coordination::getDescriptor),
            entry("discovery.k8s.io/v1", V1Discovery::getDescriptor),
            entry("events.k8s.io/v1", V1Events::getDescriptor),
            entry("flowcontrol.apiserver.k8s.io/v1", V1Flowcontrol::getDescriptor),
            entry("node.k8s.io/v1", V1Node::getDescriptor),
            entry("certificates.k8s.io/v1", V1Certificates::getDescriptor),
            entry("admissionregistration.k8s.io/v1", V1Admissionregistration::getDescriptor),
            entry("apiextensions.k8s.io/v1", V1Apiextensions::getDescriptor),
            entry("resource.k8s.io/v1", V1Resource::getDescriptor),
            entry("internal.apiserver.k8s.io/v1alpha1", V1alpha1Apiserverinternal::getDescriptor),
            // storage versions of earlier releases
            entry("extensions/v1beta1", V1beta1Extensions::getDescriptor),
            entry("apps/v1beta1", V1beta1Apps::getDescriptor),
            entry("apps/v1beta2", V1beta2Apps::getDescriptor),
            entry("batch/v1beta1", V1beta1Batch::getDescriptor),
            entry("autoscaling/v2beta1", V2beta1Autoscaling::getDescriptor),
            entry("autoscaling/v2beta2", V2beta2Autoscaling::getDescriptor),
            entry("policy/v1beta1", V1beta1Policy::getDescriptor),
            entry("rbac.authorization.k8s.io/v1beta1", V1beta1Rbac::getDescriptor),
            entry("storage.k8s.io/v1beta1", V1beta1Storage::getDescriptor),
            entry("certificates.k8s.io/v1beta1", V1beta1Certificates::getDescriptor),
            entry("admissionregistration.k8s.io/v1beta1", V1beta1Admissionregistration::getDescriptor),
            entry("apiextensions.k8s.io/v1beta1", V1beta1Apiextensions::getDescriptor),
            entry("storagemigration.k8s.io/v1beta1", V1beta1Storagemigration::getDescriptor));

    /** One warning per process when the schemas cannot be loaded at all (a protobuf runtime that refuses them). */
    private static final AtomicBoolean SCHEMAS_BROKEN_REPORTED = new AtomicBoolean();

    private KubernetesObjects() {
    }

    /**
     * The object as {@code kubectl get -o json} shows it, {@code apiVersion} and {@code kind} first; empty
     * when the kind is unknown here, the envelope names a content encoding, or the bytes do not parse.
     */
    static Optional<ObjectNode> decode(KubernetesEnvelope envelope) {
        if (!envelope.contentEncoding().isEmpty()) {
            return Optional.empty();
        }
        Optional<Descriptor> type = messageType(envelope.apiVersion(), envelope.kind());
        if (type.isEmpty()) {
            return Optional.empty();
        }
        try {
            DynamicMessage message = DynamicMessage.parseFrom(type.get(), envelope.raw());
            ObjectNode object = JsonNodeFactory.instance.objectNode();
            object.put("apiVersion", envelope.apiVersion());
            object.put("kind", envelope.kind());
            object.setAll(KubernetesProtobufJson.object(message));
            return Optional.of(object);
        } catch (InvalidProtocolBufferException malformed) {
            return Optional.empty();
        } catch (RuntimeException unexpected) {
            // The bytes parsed but do not render (a value out of every range); the type and size still show.
            return Optional.empty();
        }
    }

    private static Optional<Descriptor> messageType(String apiVersion, String kind) {
        Supplier<FileDescriptor> schema = SCHEMAS.get(apiVersion);
        if (schema == null) {
            return Optional.empty();
        }
        FileDescriptor file;
        try {
            file = schema.get();
        } catch (RuntimeException | LinkageError refused) {
            // protobuf-java checks the generated code against its own version when a class loads; a runtime
            // that refuses it leaves every Kubernetes object as type and size, which is still correct output.
            if (SCHEMAS_BROKEN_REPORTED.compareAndSet(false, true)) {
                LOG.warn("Kubernetes schemas could not be loaded; protobuf objects shown as type and size only apiVersion={}",
                        apiVersion, refused);
            }
            return Optional.empty();
        }
        return Optional.ofNullable(file.findMessageTypeByName(kind));
    }
}
