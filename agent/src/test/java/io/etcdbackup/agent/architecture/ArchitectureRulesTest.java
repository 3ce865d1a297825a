package io.etcdbackup.agent.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.EvaluationResult;
import io.etcdbackup.plugins.fixture.LeakyPlugin;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link ArchitectureTest}'s rules catch what they forbid (its own run proves they accept the production code). */
class ArchitectureRulesTest {

    private static final JavaClasses LEAKY = new ClassFileImporter().importClasses(LeakyPlugin.class);

    @Test
    void aPluginThatReachesPastTheStoreSpiIsRefusedNamingTheDependency() {
        EvaluationResult result = ArchitectureTest.PLUGINS_SEE_ONLY_THE_STORE_SPI.evaluate(LEAKY);
        assertThat(result.getFailureReport().getDetails())
                .anyMatch(line -> line.contains(LeakyPlugin.class.getName() + ".codec()") && line.contains("Codec"))
                .noneMatch(line -> line.contains("StoreContext"));
    }

    @Test
    void readingTheEnvironmentOutsideTheConfigPackageIsRefusedNamingTheCaller() {
        EvaluationResult result = ArchitectureTest.ONLY_THE_CONFIG_PACKAGE_READS_THE_PROCESS_CONFIGURATION.evaluate(LEAKY);
        assertThat(result.getFailureReport().getDetails())
                .singleElement().asString().contains(LeakyPlugin.class.getName() + ".home()", "System.getenv");
    }
}
