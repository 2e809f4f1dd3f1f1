package dev.herald.email;

/**
 * Jakarta Mail set-up shared by the email classes.
 *
 * <p>Hazard (measured): jakarta.mail-api 2.1 looks its {@code StreamProvider} up with a
 * {@link java.util.ServiceLoader} scan of the class path on <em>every</em> header parse, body part and
 * multipart, which capped email acceptance at a few hundred per second. Naming the provider in the
 * system property that {@code FactoryFinder} reads first turns each lookup into a cached class lookup.
 * A value set by the operator is kept.
 */
final class JakartaMail {
    static final String STREAM_PROVIDER = "jakarta.mail.util.StreamProvider";

    private JakartaMail() {}

    static {
        if (System.getProperty(STREAM_PROVIDER) == null) {
            System.setProperty(STREAM_PROVIDER, org.eclipse.angus.mail.util.MailStreamProvider.class.getName());
        }
    }

    /** Makes sure the class initializer ran. */
    static void init() {
        // the static block does the work
    }
}
