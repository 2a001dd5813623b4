package dev.kmb.log.spi;

import java.util.Arrays;
import java.util.Objects;

/**
 * A record header: a UTF-8 name and opaque bytes (Kafka's header model, so both backends agree).
 * The value array is not copied; treat it as immutable.
 */
public record Header(String name, byte[] value) {

    public Header {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Header h && name.equals(h.name) && Arrays.equals(value, h.value);
    }

    @Override
    public int hashCode() {
        return 31 * name.hashCode() + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return "Header[" + name + ", " + value.length + " bytes]";
    }
}
