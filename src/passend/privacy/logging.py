import logging


class SingleLineFilter(logging.Filter):
    """Replaces CR, LF and other control characters so a value can never split a log line."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(not ch.isprintable() for ch in message):
            record.msg = "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in message)
            record.args = None
        return True
