package io.etcdbackup.helm;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's values reference is the one generated from the schema (regenerate: -Dchart.update=true). */
class ValuesReferenceTest {

    static final Path README = Chart.root().resolve("README.md");

    @Test
    void the_readme_holds_the_values_reference_generated_from_the_schema() throws IOException {
        String readme = Files.readString(README, StandardCharsets.UTF_8);
        int begin = readme.indexOf(ValuesReference.BEGIN);
        int end = readme.indexOf(ValuesReference.END);
        assertThat(begin).as("README marker: " + ValuesReference.BEGIN).isNotNegative();
        assertThat(end).as("README marker: " + ValuesReference.END).isGreaterThan(begin);

        String expected = ValuesReference.BEGIN + "\n\n" + ValuesReference.table() + "\n";
        String actual = readme.substring(begin, end);
        if (Chart.updateRequested() && !actual.equals(expected)) {
            Files.writeString(README, readme.substring(0, begin) + expected + readme.substring(end), StandardCharsets.UTF_8);
            actual = expected;
        }
        assertThat(actual).as("README values reference; regenerate with -Dchart.update=true").isEqualTo(expected);
    }
}
