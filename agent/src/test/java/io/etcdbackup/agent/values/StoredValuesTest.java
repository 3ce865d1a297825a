package io.etcdbackup.agent.values;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** What a value that is not Kubernetes protobuf is described as, and how it reads. */
class StoredValuesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aJsonObjectIsJsonWithTheParsedObject() throws Exception {
        StoredValue value = StoredValues.describe(utf8("{\"a\": [1, 2]}\n"));

        assertThat(value).isInstanceOf(StoredValue.Json.class);
        assertThat(value.summary()).isEqualTo("json 14 B");
        assertThat(value.toJson()).isEqualTo(JSON.readTree("""
                {"type": "json", "size": 14, "object": {"a": [1, 2]}}"""));
    }

    @Test
    void aJsonObjectWithApiVersionAndKindIsShownAsTheKubernetesObjectItIs() throws Exception {
        String cronTab = "{\"apiVersion\":\"stable.example.com/v1\",\"kind\":\"CronTab\",\"spec\":{\"cronSpec\":\"* * * * */5\"}}";

        StoredValue value = StoredValues.describe(utf8(cronTab));

        assertThat(value.summary()).isEqualTo("k8s stable.example.com/v1/CronTab json 89 B");
        assertThat(value.toJson()).isEqualTo(JSON.readTree("""
                {"type": "json", "size": 89, "apiVersion": "stable.example.com/v1", "kind": "CronTab",
                 "object": %s}""".formatted(cronTab)));
    }

    @Test
    void anApiVersionOrKindThatKubernetesWouldNotWriteIsPlainJson() {
        byte[] lineBreakInApiVersion = utf8("{\"apiVersion\":\"v1\\nx\",\"kind\":\"Pod\"}");
        byte[] kindNotAString = utf8("{\"apiVersion\":\"v1\",\"kind\":7}");

        assertThat(StoredValues.describe(lineBreakInApiVersion).summary()).isEqualTo("json " + lineBreakInApiVersion.length + " B");
        assertThat(StoredValues.describe(kindNotAString).summary()).isEqualTo("json " + kindNotAString.length + " B");
    }

    @Test
    void aJsonArrayIsJson() {
        assertThat(StoredValues.describe(utf8("[]"))).isInstanceOf(StoredValue.Json.class);
    }

    @Test
    void aJsonScalarIsText() {
        assertThat(StoredValues.describe(utf8("42"))).isEqualTo(new StoredValue.Text("42", 2));
        assertThat(StoredValues.describe(utf8("\"quoted\""))).isInstanceOf(StoredValue.Text.class);
    }

    @Test
    void jsonThatIsCutShortOrFollowedByMoreIsText() {
        assertThat(StoredValues.describe(utf8("{\"a\": "))).isInstanceOf(StoredValue.Text.class);
        assertThat(StoredValues.describe(utf8("{\"a\": 1} {\"b\": 2}"))).isInstanceOf(StoredValue.Text.class);
    }

    @Test
    void aJsonSecretHasItsValuesRedactedUnlessAskedFor() {
        byte[] secret = utf8("{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"data\":{\"password\":\"aHVudGVyMg==\"}}");

        StoredValue.Json redacted = (StoredValue.Json) StoredValues.describe(secret);
        StoredValue.Json shown = (StoredValue.Json) StoredValues.describe(secret, SecretData.SHOWN);

        assertThat(redacted.object().at("/data/password").asText()).isEqualTo(SecretData.REDACTION);
        assertThat(shown.object().at("/data/password").asText()).isEqualTo("aHVudGVyMg==");
    }

    @Test
    void textIsShownQuotedAndCutAfterFortyCharacters() {
        String text = "abcdefghij".repeat(10);

        StoredValue value = StoredValues.describe(utf8(text));

        assertThat(value).isEqualTo(new StoredValue.Text(text, 100));
        assertThat(value.summary()).isEqualTo("text \"" + text.substring(0, StoredValue.TEXT_SHOWN) + "…\" 100 B");
        assertThat(value.toJson()).isEqualTo(JSON.createObjectNode().put("type", "text").put("size", 100).put("text", text));
    }

    @Test
    void aSummaryStaysOnOneLineWhateverTheTextHolds() {
        StoredValue value = StoredValues.describe(utf8("line 1\r\n\t\"two\" \\ ü"));

        assertThat(value.summary()).isEqualTo("text \"line 1\\r\\n\\t\\\"two\\\" \\\\ ü\" 19 B");
        assertThat(new StoredValue.Text("a\u0085b\u2028c", 7).summary()).isEqualTo("text \"a\\u0085b\\u2028c\" 7 B");
    }

    @Test
    void textIsCutByCharactersNotInTheMiddleOfOne() {
        String emoji = "\uD83D\uDE00".repeat(StoredValue.TEXT_SHOWN + 1);

        assertThat(StoredValues.describe(utf8(emoji)).summary())
                .startsWith("text \"" + "\uD83D\uDE00".repeat(StoredValue.TEXT_SHOWN) + "…\"");
    }

    @Test
    void theEmptyValueIsEmptyText() {
        assertThat(StoredValues.describe(new byte[0])).isEqualTo(new StoredValue.Text("", 0));
        assertThat(StoredValues.describe(new byte[0]).summary()).isEqualTo("text \"\" 0 B");
    }

    @Test
    void bytesThatAreNotUtf8OrHoldControlCharactersAreBinary() {
        assertThat(StoredValues.describe(new byte[] {(byte) 0xC3, 0x28})).isEqualTo(new StoredValue.Binary(2));
        assertThat(StoredValues.describe(utf8("abc\0def"))).isEqualTo(new StoredValue.Binary(7));
        assertThat(StoredValues.describe(utf8("bell\u0007"))).isEqualTo(new StoredValue.Binary(5));
        assertThat(StoredValues.describe(new byte[] {1, 2, 3}).toJson())
                .isEqualTo(JSON.createObjectNode().put("type", "binary").put("size", 3));
    }

    @Test
    void sizesAreBytesBelowOneKibibyteAndOneDecimalOfTheLargestBinaryUnitAbove() {
        assertThat(new StoredValue.Binary(1023).summary()).isEqualTo("binary 1023 B");
        assertThat(new StoredValue.Binary(1024).summary()).isEqualTo("binary 1.0 KiB");
        assertThat(new StoredValue.Binary(1234).summary()).isEqualTo("binary 1.2 KiB");
        assertThat(new StoredValue.Binary(3 << 19).summary()).isEqualTo("binary 1.5 MiB");
    }

    @Test
    void aValueTheApiServerEncryptedNamesItsProviderAndKey() {
        byte[] value = withPrefix("k8s:enc:aescbc:v1:key1:", 300);

        StoredValue described = StoredValues.describe(value);

        assertThat(described).isEqualTo(new StoredValue.KubernetesEncrypted("aescbc", "v1", "key1", 300));
        assertThat(described.summary()).isEqualTo("k8s encrypted aescbc key1 300 B");
        assertThat(described.toJson()).isEqualTo(JSON.createObjectNode().put("type", "kubernetes-encrypted").put("size", 300)
                .put("provider", "aescbc").put("version", "v1").put("keyName", "key1"));
    }

    @Test
    void aKmsV2ValueShowsItsVersionAndThePluginName() {
        StoredValue described = StoredValues.describe(withPrefix("k8s:enc:kms:v2:vault-kms:", 1200));

        assertThat(described).isEqualTo(new StoredValue.KubernetesEncrypted("kms", "v2", "vault-kms", 1200));
        assertThat(described.summary()).isEqualTo("k8s encrypted kms v2 vault-kms 1.2 KiB");
    }

    @Test
    void anEncryptionPrefixThatIsIncompleteOrMalformedIsNotTakenForOne() {
        assertThat(StoredValues.describe(utf8("k8s:enc:aescbc:v1:key1"))).isInstanceOf(StoredValue.Text.class);
        assertThat(StoredValues.describe(utf8("k8s:enc::v1:key1:x"))).isInstanceOf(StoredValue.Text.class);
        assertThat(StoredValues.describe(utf8("k8s:enc:AES CBC:v1:key1:x"))).isInstanceOf(StoredValue.Text.class);
        assertThat(StoredValues.describe(utf8("k8s:enc:aescbc:1:key1:x"))).isInstanceOf(StoredValue.Text.class);
        assertThat(StoredValues.describe(utf8("k8s:enc:aescbc:v1:" + "k".repeat(300) + ":x"))).isInstanceOf(StoredValue.Text.class);
        assertThat(StoredValues.describe(withPrefix("k8s:enc:aescbc:v1:key\n1:", 40))).isNotInstanceOf(StoredValue.KubernetesEncrypted.class);
    }

    @Test
    void randomBytesAreDescribedWithoutThrowingAndSummarizedOnOneLine() {
        Random random = new Random(20240611);
        byte[][] prefixes = {new byte[0], utf8("{"), utf8("["), utf8("k8s:enc:"), utf8("k8s\0")};
        for (int i = 0; i < 2000; i++) {
            byte[] prefix = prefixes[i % prefixes.length];
            byte[] value = Arrays.copyOf(prefix, prefix.length + random.nextInt(64));
            for (int at = prefix.length; at < value.length; at++) {
                // printable ASCII half of the time, so JSON and text parsers get past their first byte
                value[at] = random.nextBoolean() ? (byte) (' ' + random.nextInt(95)) : (byte) random.nextInt(256);
            }

            StoredValue described = StoredValues.describe(value);

            assertThat(described.size()).isEqualTo(value.length);
            assertThat(described.summary()).doesNotContain("\n", "\r");
            assertThat(described.toJson().get("type").asText()).isNotEmpty();
        }
    }

    private static byte[] withPrefix(String prefix, int size) {
        byte[] value = new byte[size];
        new Random(size).nextBytes(value);
        byte[] head = utf8(prefix);
        System.arraycopy(head, 0, value, 0, head.length);
        return value;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
