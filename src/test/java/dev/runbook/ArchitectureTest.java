package dev.runbook;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package structure (STYLE.md): feature packages depend on each other without cycles, and the tool packages
 * (a client for one tool plus its delegates) see no Camunda type other than the delegate API, so engine code stays
 * in the few packages that start and query runs. A failure lists every cycle or offending dependency.
 */
class ArchitectureTest {

    /** One package per tool or concern: a client and the delegates that call it. */
    static final String[] TOOL_PACKAGES = {
        "dev.runbook.git..",
        "dev.runbook.npm..",
        "dev.runbook.pm2..",
        "dev.runbook.health..",
        "dev.runbook.release..",
        "dev.runbook.database..",
        "dev.runbook.monitor..",
        "dev.runbook.exec.."
    };

    /**
     * Known exception: the cron expressions of the database backup schedules are parsed and their next fire times
     * computed with the engine's own cron parser ({@code org.camunda.bpm.engine.impl.calendar.CronTimer}), so a
     * schedule the start-up check accepts is one the timer events accept too.
     */
    static final String ENGINE_CRON_USER = "dev.runbook.database.DbBackupSchedules";

    private static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.runbook");
    }

    @Test
    void shouldHaveNoCycleBetweenFeaturePackages() {
        ArchRule rule = slices().matching("dev.runbook.(*)..")
                .namingSlices("$1")
                .should()
                .beFreeOfCycles();
        rule.check(classes);
    }

    @Test
    void shouldKeepEngineTypesOutOfToolPackagesExceptTheDelegateApi() {
        ArchRule rule = noClasses()
                .that()
                .resideInAnyPackage(TOOL_PACKAGES)
                .and()
                .doNotHaveFullyQualifiedName(ENGINE_CRON_USER)
                .should()
                .dependOnClassesThat(resideInAPackage("org.camunda..")
                        .and(not(resideInAPackage("org.camunda.bpm.engine.delegate.."))))
                .because("a tool package talks to its tool; starting and querying runs belongs to run/ and api/");
        rule.check(classes);
    }
}
