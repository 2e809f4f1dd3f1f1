package dev.herald;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The package rules of docs/architecture.md, held on Herald's main classes: dependencies point one way,
 * from the composition root through the HTTP adapters and the features down to the queue core, storage,
 * settings and the leaf utilities. A reviewer never has to check them by hand.
 */
class ArchitectureTest {
    static final String HERALD = "dev.herald";
    /** Features: each a capability that users see; they share only what sits below them. */
    static final List<String> FEATURES = List.of("webhooks", "email", "customeremail", "inbound", "mail");

    static final JavaClasses MAIN = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages(HERALD);

    /** Every rule, for the packages under {@code base}. */
    static List<ArchRule> rules(String base) {
        List<ArchRule> rules = new ArrayList<>();
        String all = base + "..";
        rules.add(slices().matching(base + ".(*)..").should().beFreeOfCycles()
                .because("a cycle between packages means none of them can be understood, tested or changed alone"));
        rules.add(noClasses().that().resideOutsideOfPackage(base).should().dependOnClassesThat().resideInAPackage(base)
                .because("the root package is the composition root: it wires everything and nothing depends on it").allowEmptyShould(true));
        for (String http : List.of("api", "ui")) {
            rules.add(noClasses().that().resideOutsideOfPackages(base, base + "." + http + "..")
                    .should().dependOnClassesThat().resideInAPackage(base + "." + http + "..")
                    .because(http + "/ is an HTTP adapter: only the composition root may use it").allowEmptyShould(true));
        }
        rules.add(noClasses().that().resideInAPackage(base + ".delivery..")
                .should().dependOnClassesThat().resideInAnyPackage(packages(base, "webhooks", "email", "customeremail", "inbound", "mail",
                        "connections", "httpdelivery", "outbound", "api", "ui"))
                .because("the queue core serves every channel and knows none of them").allowEmptyShould(true));
        rules.add(noClasses().that().resideInAPackage(base + ".config..")
                .should().dependOnClassesThat(resideInAPackage(all).and(not(resideInAnyPackage(packages(base, "config", "util")))))
                .because("config/ holds typed settings and imports nothing of Herald but the leaf utilities").allowEmptyShould(true));
        rules.add(noClasses().that().resideInAPackage(base + ".util..")
                .should().dependOnClassesThat(resideInAPackage(all).and(not(resideInAPackage(base + ".util.."))))
                .because("util/ is the leaf every package may use, so it uses none").allowEmptyShould(true));
        for (String f : FEATURES) {
            List<String> others = new ArrayList<>(FEATURES);
            others.remove(f);
            rules.add(noClasses().that().resideInAPackage(base + "." + f + "..")
                    .should().dependOnClassesThat().resideInAnyPackage(packages(base, others.toArray(String[]::new)))
                    .because("features do not import each other: what two features share moves down a level").allowEmptyShould(true));
        }
        rules.add(noClasses().that().resideOutsideOfPackages(base, base + ".api..", base + ".ui..")
                .should().dependOnClassesThat().resideInAnyPackage("io.javalin..", "org.eclipse.jetty.server..", "jakarta.servlet..")
                .because("domain code never throws or builds HTTP types: it raises its own errors (util.Problem) and the HTTP layer maps them")
                .allowEmptyShould(true));
        rules.add(layeredArchitecture().consideringOnlyDependenciesInLayers()
                .optionalLayer("Root").definedBy(base)
                .optionalLayer("Http").definedBy(packages(base, "api", "ui"))
                .optionalLayer("Features").definedBy(packages(base, FEATURES.toArray(String[]::new)))
                .optionalLayer("Connections").definedBy(base + ".connections..")
                .optionalLayer("HttpDelivery").definedBy(base + ".httpdelivery..")
                .optionalLayer("Core").definedBy(packages(base, "delivery", "outbound", "signing", "projects", "metrics", "templates"))
                .optionalLayer("Store").definedBy(base + ".store..")
                .optionalLayer("Config").definedBy(base + ".config..")
                .optionalLayer("Util").definedBy(base + ".util..")
                .whereLayer("Root").mayNotBeAccessedByAnyLayer()
                .whereLayer("Http").mayOnlyBeAccessedByLayers("Root")
                .whereLayer("Features").mayOnlyBeAccessedByLayers("Root", "Http")
                .whereLayer("Connections").mayOnlyBeAccessedByLayers("Root", "Http", "Features")
                .whereLayer("HttpDelivery").mayOnlyBeAccessedByLayers("Root", "Features", "Connections")
                .whereLayer("Core").mayOnlyBeAccessedByLayers("Root", "Http", "Features", "Connections", "HttpDelivery")
                .whereLayer("Store").mayOnlyBeAccessedByLayers("Root", "Http", "Features", "Connections", "HttpDelivery", "Core")
                .whereLayer("Config").mayOnlyBeAccessedByLayers("Root", "Http", "Features", "Connections", "HttpDelivery", "Core", "Store")
                .because("dependencies point one way: root -> HTTP adapters -> features -> connections -> HTTP channels -> core -> store -> config -> util"));
        return rules;
    }

    static String[] packages(String base, String... names) {
        return Stream.of(names).map(n -> base + "." + n + "..").toArray(String[]::new);
    }

    static Stream<ArchRule> heraldRules() {
        return rules(HERALD).stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("heraldRules")
    void heraldKeepsTheRule(ArchRule rule) {
        rule.check(MAIN);
    }

    @Test
    void theRulesSeeEveryPackage() {
        // A rule over packages that do not exist passes vacuously: make sure the import found Herald.
        assertThat(MAIN.stream().map(c -> c.getPackageName()).distinct())
                .contains("dev.herald", "dev.herald.api", "dev.herald.delivery", "dev.herald.webhooks", "dev.herald.util", "dev.herald.config");
    }

    /** The rules catch a deliberate cycle (fixture packages archfixture.cycle.a and .b import each other). */
    @Test
    void aCycleBetweenPackagesFailsTheRules() {
        JavaClasses fixture = new ClassFileImporter().importPackages("dev.herald.archfixture.cycle");
        ArchRule noCycles = rules("dev.herald.archfixture.cycle").get(0);
        assertThatThrownBy(() -> noCycles.check(fixture)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("Cycle detected").hasMessageContaining("Alpha").hasMessageContaining("Beta");
    }

    /** The rules catch the queue core importing a feature (fixture: archfixture.layers.delivery uses .webhooks). */
    @Test
    void theQueueCoreImportingAFeatureFailsTheRules() {
        JavaClasses fixture = new ClassFileImporter().importPackages("dev.herald.archfixture.layers");
        List<String> failures = new ArrayList<>();
        for (ArchRule r : rules("dev.herald.archfixture.layers")) {
            try {
                r.check(fixture);
            } catch (AssertionError e) {
                failures.add(e.getMessage());
            }
        }
        assertThat(failures).anySatisfy(m -> assertThat(m).contains("the queue core serves every channel").contains("Queue").contains("Hook"));
        assertThat(failures).anySatisfy(m -> assertThat(m).contains("dependencies point one way"));
    }
}
