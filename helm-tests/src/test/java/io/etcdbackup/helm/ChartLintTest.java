package io.etcdbackup.helm;

import com.marcnuri.helm.LintResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** helm lint --strict over the values matrix: no error and no warning. */
class ChartLintTest {

    @TempDir
    Path work;

    static List<ValuesMatrix> matrix() {
        return ValuesMatrix.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("matrix")
    void lints_strictly_without_a_warning(ValuesMatrix values) {
        LintResult result = Chart.lintStrict(values.values(), work);

        assertThat(result.getMessages()).noneMatch(m -> m.contains("[ERROR]") || m.contains("[WARNING]"));
        assertThat(result.isFailed()).as(String.join("\n", result.getMessages())).isFalse();
    }

    @Test
    void the_lint_fails_values_the_schema_refuses() {
        LintResult result = Chart.lintStrict(Map.of("agent", Map.of("fullSchedul", "0 * * * *")), work);

        assertThat(result.isFailed()).isTrue();
        assertThat(String.join("\n", result.getMessages())).contains("fullSchedul");
    }
}
