package dev.repl.cli;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import java.util.Set;

/**
 * {@code repl-cli} is built on the public API alone: what an embedder can do, the CLI does with
 * the same types. The benchmarks named below are the exception: they emulate thousands of
 * followers on one event loop, or measure the raw link and the failure detectors' own events,
 * below any API.
 */
@AnalyzeClasses(packages = "dev.repl.cli", importOptions = ImportOption.DoNotIncludeTests.class)
class ApiBoundaryTest {

    /** Any class of repl-core outside dev.repl.api and dev.repl.api.client. */
    private static final DescribedPredicate<JavaClass> INTERNAL = resideInAPackage("dev.repl..")
            .and(not(resideInAnyPackage("dev.repl.api", "dev.repl.api.client", "dev.repl.cli..")))
            .as("repl-core's internal packages (anything but dev.repl.api and dev.repl.api.client)");

    /** Benchmarks below the API, nested classes included; this list may only shrink. */
    private static final Set<String> RAW_BENCHMARKS = Set.of("EmulatedFollowers", "NettyPingPong", "TlsBench", "FanoutBench",
            "DetectionBench");

    private static final DescribedPredicate<JavaClass> RAW_BENCHMARK = DescribedPredicate.describe("a raw-link benchmark",
            c -> c.getPackageName().equals("dev.repl.cli.bench") && RAW_BENCHMARKS.contains(c.getName().substring(c.getPackageName().length() + 1).split("\\$")[0]));

    @ArchTest
    static final ArchRule commandsUseOnlyTheApi = noClasses()
            .that().resideInAPackage("dev.repl.cli..")
            .and(not(RAW_BENCHMARK))
            .should().dependOnClassesThat(INTERNAL)
            .because("the CLI is built on the public API; an embedder can do all it does");
}
