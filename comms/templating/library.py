"""The only tags and filters message templates may use: control flow and text formatting. Nothing that
loads, includes, extends, reads files or the settings (``load``, ``include``, ``extends``, ``ssi``,
``debug``, ``url``, ``csrf_token``… are unknown tags here, so a template using them does not compile)."""

from django.template import Library, defaultfilters, defaulttags

register = Library()

SAFE_TAGS = {
    "if": defaulttags.do_if,
    "for": defaulttags.do_for,
    "with": defaulttags.do_with,
    "comment": defaulttags.comment,
    "firstof": defaulttags.firstof,
    "spaceless": defaulttags.spaceless,
}
# Only filters whose arguments cannot make rendering fail once a template saved (wordwrap: int(arg)
# raises on a bad width, so a saved template would break at send time).
SAFE_FILTERS = [
    "add", "capfirst", "cut", "default", "default_if_none", "first", "floatformat", "join", "last", "length",
    "linebreaks", "linebreaksbr", "lower", "pluralize", "striptags", "title", "truncatechars",
    "truncatewords", "upper", "urlize", "wordcount", "yesno",
]

for _name, _compile in SAFE_TAGS.items():
    register.tag(_name, _compile)
for _name in SAFE_FILTERS:
    register.filter(_name, getattr(defaultfilters, _name))
