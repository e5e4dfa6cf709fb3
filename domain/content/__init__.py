"""Content from the context entity: context data, templates, rendering, drafting and fact-checking.

fields      what a context type declares, entity data parsed into typed values      (pure)
formatting  typed values as text for a locale and timezone, through Babel          (pure)
render      `{token}` placeholders filled from formatted values                     (pure)
facts       amounts, dates, links... found in free text, normalised                 (pure)
grounding   every fact of a generated text checked against the context and hint     (pure)
condition   the send condition over a context's fields                              (pure)
prompt      the model's prompt, and reading its answer                              (pure)
signing     HMAC signatures of requests to an app's context provider                (pure)
context     a context type and one resolved entity                                  (pure)
store       context types, pushed entities, formatting defaults                     (use cases)
templates   email templates, versioned                                              (use cases)
resolve     an entity's data from its snapshot or its provider                      (use case)
prepare     preview and prepare (template or inference)                             (use case)
drafting    rendering for createDraft / sendEmail, and the record of it             (use case)
guard       the worker's re-check just before the Gmail call                        (use case)
"""
