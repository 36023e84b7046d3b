{% for f in rtl_files -%}
{= f =}
{% endfor -%}
