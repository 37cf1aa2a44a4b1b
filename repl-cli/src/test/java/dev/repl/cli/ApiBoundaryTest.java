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

/**
 * {@code repl-cli} is built on the public API alone: what an embedder can do, the CLI does with
 * the same types. The benchmarks that measure below the API live in {@code repl-bench-raw}, which
 * the command line finds at run time and never compiles against.
 */
@AnalyzeClasses(packages = "dev.repl.cli", importOptions = ImportOption.DoNotIncludeTests.class)
class ApiBoundaryTest {

    /** Any class of repl-core outside dev.repl.api and dev.repl.api.client. */
    private static final DescribedPredicate<JavaClass> INTERNAL = resideInAPackage("dev.repl..")
            .and(not(resideInAnyPackage("dev.repl.api", "dev.repl.api.client", "dev.repl.cli..")))
            .as("repl-core's internal packages (anything but dev.repl.api and dev.repl.api.client)");

    @ArchTest
    static final ArchRule commandsUseOnlyTheApi = noClasses()
            .that().resideInAPackage("dev.repl.cli..")
            .should().dependOnClassesThat(INTERNAL)
            .because("the CLI is built on the public API; an embedder can do all it does");
}
