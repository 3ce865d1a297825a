package io.etcdbackup.agent.architecture;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;

import java.util.Map;
import java.util.Set;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The rules of ARCHITECTURE.md and STYLE.md that the compiler does not enforce, checked on the
 * production classes of every module (the agent's test classpath holds them all, plugins included).
 * {@link ArchitectureRulesTest} shows that each rule catches what it forbids.
 */
@AnalyzeClasses(packages = "io.etcdbackup", importOptions = ArchitectureTest.ProductionClasses.class)
class ArchitectureTest {

    /** No two packages depend on each other, directly or through others. */
    @ArchTest
    static final ArchRule NO_PACKAGE_CYCLES = slices().matching("io.etcdbackup.(**)").namingSlices("$1")
            .should().beFreeOfCycles();

    /** A plugin sees only the store SPI of ours: the rest of the agent may change without it. */
    @ArchTest
    static final ArchRule PLUGINS_SEE_ONLY_THE_STORE_SPI = classes().that().resideInAPackage("io.etcdbackup.plugins..")
            .should(dependOnNothingOfOursButTheirOwnPackagesAndTheStores());

    /** Configuration is read in one place and passed by constructor. */
    @ArchTest
    static final ArchRule ONLY_THE_CONFIG_PACKAGE_READS_THE_PROCESS_CONFIGURATION = noClasses()
            .that().resideOutsideOfPackages("io.etcdbackup.agent.config..", "io.etcdbackup.bench..")
            .should().callMethodWhere(readsEnvironmentOrSystemProperties())
            .because("configuration is read in the agent's config package (ProcessEnvironment) and passed down by constructor");

    /**
     * Restoring reads backups; it never takes them. The snapshot module's writer side (capture,
     * segment merging, retention, defragmentation) is the agent's alone, so restore and compaction
     * use only the format, the catalog and the etcd client of that module (docs/architecture.md).
     */
    @ArchTest
    static final ArchRule RESTORE_AND_COMPACTION_USE_ONLY_THE_READING_SIDE_OF_SNAPSHOT = noClasses()
            .that().resideInAnyPackage("io.etcdbackup.restore..", "io.etcdbackup.compaction..")
            .should().dependOnClassesThat().resideInAnyPackage("io.etcdbackup.snapshot.capture..",
                    "io.etcdbackup.snapshot.merge..", "io.etcdbackup.snapshot.retention..", "io.etcdbackup.snapshot.maintenance..")
            .because("the snapshot module's writer side belongs to the agent; restore reads format and catalog only");

    private static final String OURS = "io.etcdbackup";
    private static final String STORES = "io.etcdbackup.stores";
    private static final String PLUGINS = "io.etcdbackup.plugins";

    // The JDK's readers of environment variables and system properties.
    private static final Map<String, Set<String>> READERS = Map.of(
            System.class.getName(), Set.of("getenv", "getProperty", "getProperties"),
            Boolean.class.getName(), Set.of("getBoolean"),
            Integer.class.getName(), Set.of("getInteger"),
            Long.class.getName(), Set.of("getLong"));

    private static DescribedPredicate<JavaMethodCall> readsEnvironmentOrSystemProperties() {
        return new DescribedPredicate<>("System.getenv, System.getProperty or another reader of the process's configuration") {
            @Override
            public boolean test(JavaMethodCall call) {
                return READERS.getOrDefault(call.getTarget().getOwner().getName(), Set.of()).contains(call.getTarget().getName());
            }
        };
    }

    private static ArchCondition<JavaClass> dependOnNothingOfOursButTheirOwnPackagesAndTheStores() {
        return new ArchCondition<>("depend on nothing in " + OURS + " but their own plugin's packages and " + STORES + "..") {
            @Override
            public void check(JavaClass plugin, ConditionEvents events) {
                String own = pluginRoot(plugin.getPackageName());
                for (Dependency dependency : plugin.getDirectDependenciesFromSelf()) {
                    String target = dependency.getTargetClass().getBaseComponentType().getPackageName();
                    if (within(target, OURS) && !within(target, own) && !within(target, STORES)) {
                        events.add(SimpleConditionEvent.violated(dependency, dependency.getDescription()));
                    }
                }
            }
        };
    }

    /** {@code io.etcdbackup.plugins.<provider>} of a package inside a plugin. */
    private static String pluginRoot(String packageName) {
        int provider = packageName.indexOf('.', PLUGINS.length() + 1);
        return provider < 0 ? packageName : packageName.substring(0, provider);
    }

    private static boolean within(String packageName, String root) {
        return packageName.equals(root) || packageName.startsWith(root + ".");
    }

    /** The production classes: neither test classes (directories or test-jars) nor the separate bench program. */
    public static final class ProductionClasses implements ImportOption {
        @Override
        public boolean includes(Location location) {
            return !location.contains("/test-classes/") && !location.contains("-tests.jar")
                    && !location.contains("/io/etcdbackup/bench/");
        }
    }
}
