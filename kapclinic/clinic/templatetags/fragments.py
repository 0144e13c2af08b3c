"""`{% fragment "name" record.pk record.version %}…{% endfragment %}`: render once per version
(kapclinic/clinic/fragments.py says what a fragment may hold). `… when record.is_signed %}` at
the end caches only while the condition holds; otherwise the block is drawn as usual."""

import hashlib

from django import template

from ..fragments import cached_fragment, fragment_key

register = template.Library()


class FragmentNode(template.Node):
    def __init__(self, nodelist, name, parts, source_hash, when=None):
        self.nodelist, self.name, self.parts, self.source_hash = nodelist, name, parts, source_hash
        self.when = when

    def render(self, context):
        if self.when is not None and not self.when.resolve(context):
            return self.nodelist.render(context)
        name = self.name.resolve(context)
        parts = [part.resolve(context) for part in self.parts]
        key = fragment_key(name, self.source_hash, parts)
        return cached_fragment(key, lambda: self.nodelist.render(context))


@register.tag
def fragment(parser, token):
    """A name, then the values that identify the record and its version (at least one)."""
    bits = token.split_contents()
    when = None
    if len(bits) > 2 and bits[-2] == "when":
        when = parser.compile_filter(bits[-1])
        bits = bits[:-2]
    if len(bits) < 3:
        raise template.TemplateSyntaxError(
            "{% fragment %} takes a name and the record's identity and version"
        )
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    # The template's own text is part of the key: an edited template draws afresh.
    source = ""
    origin = getattr(parser, "origin", None)
    if origin is not None and getattr(origin, "loader", None) is not None:
        source = origin.loader.get_contents(origin)
    source_hash = hashlib.sha256(source.encode()).hexdigest()[:12]
    return FragmentNode(
        nodelist,
        parser.compile_filter(bits[1]),
        [parser.compile_filter(bit) for bit in bits[2:]],
        source_hash,
        when,
    )
