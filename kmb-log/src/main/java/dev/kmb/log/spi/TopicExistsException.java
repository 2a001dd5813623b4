package dev.kmb.log.spi;

import dev.kmb.core.TopicName;

/** A topic of that name already exists. */
public class TopicExistsException extends LogException {
    private static final long serialVersionUID = 1L;

    public TopicExistsException(TopicName topic) {
        super("topic '" + topic + "' already exists");
    }
}
