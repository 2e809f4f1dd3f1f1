package dev.herald.inbound;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The one registry of callback providers, by the name a source is created with. */
public final class Providers {
    private static final Map<String, Provider> ALL = List.<Provider>of(
                    new EmailStatusProvider(),
                    new SendGridProvider(),
                    new MetaWhatsAppProvider(),
                    new TwilioProvider(),
                    new PlivoProvider(),
                    new GupshupProvider(),
                    new MessageBirdProvider(),
                    new VonageProvider(),
                    new SesProvider())
            .stream().collect(Collectors.toUnmodifiableMap(Provider::name, Function.identity()));

    private Providers() {}

    public static Optional<Provider> find(String name) {
        return Optional.ofNullable(name == null ? null : ALL.get(name));
    }

    public static List<String> names() {
        return ALL.keySet().stream().sorted().toList();
    }
}
