package dev.repl.cli;

import dev.repl.api.NodeAddress;
import dev.repl.api.Peer;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** {@code id=host:port}: a member of an elected cluster, by its id and the address it listens on. */
final class PeerConverter implements ITypeConverter<Peer> {

    @Override
    public Peer convert(String value) {
        int eq = value.indexOf('=');
        if (eq <= 0) {
            throw new TypeConversionException("'" + value + "' is not ID=HOST:PORT");
        }
        try {
            return new Peer(value.substring(0, eq), NodeAddress.parse(value.substring(eq + 1)));
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException("'" + value + "': " + e.getMessage());
        }
    }
}
