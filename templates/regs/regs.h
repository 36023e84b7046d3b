{% include "partials/header.v" %}
#ifndef {= guard =}
#define {= guard =}
{% for b in blocks %}
// {= b.comment =}
{%- for d in b.defines %}
#define {= d.name =} {= d.value =}
{%- endfor %}
{% endfor %}
#endif // {= guard =}
