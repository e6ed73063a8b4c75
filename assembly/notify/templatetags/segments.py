"""Marks for text-message templates: what may be shortened, and what may be left out, to fit one SMS segment."""

from django import template

from assembly.notify import segments

register = template.Library()


@register.filter
def squeeze(value, weight: int = 1) -> str:
    """A value the text may shorten (with an ellipsis) so that the link and the instructions stay whole.

    `weight` (1 to 9) says how much of it to keep against the text's other squeezable values.
    """
    text = str(value).translate(str.maketrans("", "", segments.MARKS)).strip()
    weight = min(max(int(weight), 1), 9)
    return f"{segments.SQUEEZE_START}{weight}{text}{segments.SQUEEZE_END}"


class OptionalNode(template.Node):
    def __init__(self, nodelist: template.NodeList):
        self.nodelist = nodelist

    def render(self, context) -> str:
        text = self.nodelist.render(context).translate(str.maketrans("", "", segments.MARKS))
        return f"{segments.OPTIONAL_START}{text}{segments.OPTIONAL_END}"


@register.tag
def optional(parser, token) -> OptionalNode:
    """{% optional %}words{% endoptional %}: sent whole when they fit in the segment, left out when not."""
    nodelist = parser.parse(("endoptional",))
    parser.delete_first_token()
    return OptionalNode(nodelist)
