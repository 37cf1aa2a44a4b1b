package dev.repl.cli;

import dev.repl.api.NodeAddress;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** {@code host:port}, as {@link NodeAddress#parse} reads it, with its message on failure. */
final class NodeAddressConverter implements ITypeConverter<NodeAddress> {

    @Override
    public NodeAddress convert(String value) {
        try {
            return NodeAddress.parse(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }
}
