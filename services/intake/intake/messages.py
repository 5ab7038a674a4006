"""Error messages in the caller's language (Accept-Language: es, en, pt, fr).

Messages are written in English (marshmallow's and intake's own); this
catalogue holds their translations as patterns, so a message with values in
it ("Length must be between 1 and 50.") is translated with its values. A
message missing here is sent in English rather than not at all.
"""

from __future__ import annotations

import re

DEFAULT = "en"
SUPPORTED = ("en", "es", "pt", "fr")

# (English pattern, {language: translation}); groups are kept by \1, \2...
CATALOGUE: list[tuple[str, dict[str, str]]] = [
    (
        r"Missing data for required field\.",
        {
            "es": "Falta este campo obligatorio.",
            "pt": "Falta este campo obrigatório.",
            "fr": "Ce champ obligatoire est manquant.",
        },
    ),
    (
        r"Unknown field\.",
        {"es": "Campo desconocido.", "pt": "Campo desconhecido.", "fr": "Champ inconnu."},
    ),
    (
        r"Field may not be null\.",
        {
            "es": "El campo no puede ser nulo.",
            "pt": "O campo não pode ser nulo.",
            "fr": "Le champ ne peut pas être nul.",
        },
    ),
    (
        r"Not a valid email address\.",
        {
            "es": "No es una dirección de correo válida.",
            "pt": "Não é um endereço de e-mail válido.",
            "fr": "Ce n'est pas une adresse électronique valide.",
        },
    ),
    (
        r"Not a valid string\.",
        {
            "es": "No es un texto válido.",
            "pt": "Não é um texto válido.",
            "fr": "Ce n'est pas un texte valide.",
        },
    ),
    (
        r"Not a valid integer\.",
        {
            "es": "No es un número entero válido.",
            "pt": "Não é um número inteiro válido.",
            "fr": "Ce n'est pas un nombre entier valide.",
        },
    ),
    (
        r"Not a valid number\.",
        {
            "es": "No es un número válido.",
            "pt": "Não é um número válido.",
            "fr": "Ce n'est pas un nombre valide.",
        },
    ),
    (
        r"Not a valid boolean\.",
        {
            "es": "No es un booleano válido.",
            "pt": "Não é um booleano válido.",
            "fr": "Ce n'est pas un booléen valide.",
        },
    ),
    (
        r"Not a valid list\.",
        {
            "es": "No es una lista válida.",
            "pt": "Não é uma lista válida.",
            "fr": "Ce n'est pas une liste valide.",
        },
    ),
    (
        r"Not a valid date\.",
        {
            "es": "No es una fecha válida (AAAA-MM-DD).",
            "pt": "Não é uma data válida (AAAA-MM-DD).",
            "fr": "Ce n'est pas une date valide (AAAA-MM-JJ).",
        },
    ),
    (
        r"Not a valid datetime\.",
        {
            "es": "No es una fecha y hora válida.",
            "pt": "Não é uma data e hora válida.",
            "fr": "Ce n'est pas une date et heure valide.",
        },
    ),
    (
        r"Not a valid aware datetime\.",
        {
            "es": "Indique la fecha y hora con su zona horaria.",
            "pt": "Indique a data e hora com o fuso horário.",
            "fr": "Indiquez la date et l'heure avec le fuseau horaire.",
        },
    ),
    (
        r"Invalid input type\.",
        {
            "es": "Tipo de dato no válido.",
            "pt": "Tipo de dado inválido.",
            "fr": "Type de donnée invalide.",
        },
    ),
    (r"Invalid type\.", {"es": "Tipo no válido.", "pt": "Tipo inválido.", "fr": "Type invalide."}),
    (
        r"Must be one of: (.*)\.",
        {
            "es": r"Debe ser uno de: \1.",
            "pt": r"Deve ser um de: \1.",
            "fr": r"Doit être l'un de : \1.",
        },
    ),
    (
        r"Length must be between (\d+) and (\d+)\.",
        {
            "es": r"La longitud debe estar entre \1 y \2.",
            "pt": r"O comprimento deve estar entre \1 e \2.",
            "fr": r"La longueur doit être comprise entre \1 et \2.",
        },
    ),
    (
        r"Shorter than minimum length (\d+)\.",
        {
            "es": r"Más corto que el mínimo de \1.",
            "pt": r"Mais curto que o mínimo de \1.",
            "fr": r"Plus court que le minimum de \1.",
        },
    ),
    (
        r"Longer than maximum length (\d+)\.",
        {
            "es": r"Más largo que el máximo de \1.",
            "pt": r"Mais longo que o máximo de \1.",
            "fr": r"Plus long que le maximum de \1.",
        },
    ),
    (
        r"Must be greater than or equal to (\S+) and less than or equal to (\S+)\.",
        {
            "es": r"Debe estar entre \1 y \2.",
            "pt": r"Deve estar entre \1 e \2.",
            "fr": r"Doit être compris entre \1 et \2.",
        },
    ),
    (
        r"Must be greater than or equal to (\S+)\.",
        {
            "es": r"Debe ser mayor o igual que \1.",
            "pt": r"Deve ser maior ou igual a \1.",
            "fr": r"Doit être supérieur ou égal à \1.",
        },
    ),
    (
        r"some fields are invalid",
        {
            "es": "algunos campos no son válidos",
            "pt": "alguns campos são inválidos",
            "fr": "certains champs sont invalides",
        },
    ),
    (
        r"no delegation is registered with this id",
        {
            "es": "no hay ninguna delegación registrada con este id",
            "pt": "não há nenhuma delegação registrada com este id",
            "fr": "aucune délégation n'est inscrite avec cet identifiant",
        },
    ),
    (
        r"no workshop is registered with this id",
        {
            "es": "no hay ningún taller registrado con este id",
            "pt": "não há nenhuma oficina registrada com este id",
            "fr": "aucun atelier n'est enregistré avec cet identifiant",
        },
    ),
    (
        r"no submitted program of this workshop has this id",
        {
            "es": "ningún programa presentado en este taller tiene este id",
            "pt": "nenhum programa apresentado nesta oficina tem este id",
            "fr": "aucun programme soumis pour cet atelier n'a cet identifiant",
        },
    ),
    (
        r"a delegation cannot ask for its own program",
        {
            "es": "una delegación no puede pedir su propio programa",
            "pt": "uma delegação não pode pedir o seu próprio programa",
            "fr": "une délégation ne peut pas demander son propre programme",
        },
    ),
    (
        r"each value at most once; repeated: (.*)",
        {
            "es": r"cada valor una sola vez; repetido: \1",
            "pt": r"cada valor uma só vez; repetido: \1",
            "fr": r"chaque valeur une seule fois ; répété : \1",
        },
    ),
    (
        r"must not be before (\S+)",
        {
            "es": r"no puede ser anterior a \1",
            "pt": r"não pode ser anterior a \1",
            "fr": r"ne peut pas être antérieur à \1",
        },
    ),
    (
        r"the deadline for (.*) of this workshop passed at (\S+); ask the secretariat for a late window",
        {
            "es": r"el plazo para \1 de este taller venció el \2; pida a la secretaría un plazo adicional",
            "pt": r"o prazo para \1 desta oficina terminou em \2; peça à secretaria um prazo adicional",
            "fr": r"le délai pour \1 de cet atelier a expiré le \2 ; demandez un délai supplémentaire au secrétariat",
        },
    ),
    # the suite's input policy (rueda_backbone.fields)
    (
        r"must not contain control characters \(such as NUL\)",
        {
            "es": "no puede contener caracteres de control (como NUL)",
            "pt": "não pode conter caracteres de controle (como NUL)",
            "fr": "ne doit pas contenir de caractères de contrôle (comme NUL)",
        },
    ),
    (
        r"must be a single line",
        {
            "es": "debe ser una sola línea",
            "pt": "deve ser uma única linha",
            "fr": "doit tenir sur une seule ligne",
        },
    ),
    (
        r"must be between (\d+) and (\d+)",
        {
            "es": r"debe estar entre \1 y \2",
            "pt": r"deve estar entre \1 e \2",
            "fr": r"doit être compris entre \1 et \2",
        },
    ),
    (
        r"this address cannot be used in an email header; .*",
        {
            "es": "esta dirección no puede usarse en un correo; antes de la @ use solo letras, "
            "cifras y . _ - +, sin comillas, espacios ni '=?'",
            "pt": "este endereço não pode ser usado num e-mail; antes do @ use apenas letras, "
            "algarismos e . _ - +, sem aspas, espaços nem '=?'",
            "fr": "cette adresse ne peut pas servir dans un courriel ; avant le @, seulement des "
            "lettres, des chiffres et . _ - +, sans guillemets, espaces ni « =? »",
        },
    ),
    (
        r"not a delegate of this delegation",
        {
            "es": "no es delegado de esta delegación",
            "pt": "não é delegado desta delegação",
            "fr": "n'est pas délégué de cette délégation",
        },
    ),
    (
        r"this workshop has (\d+) sessions \(1 to (\d+)\)",
        {
            "es": r"este taller tiene \1 sesiones (1 a \2)",
            "pt": r"esta oficina tem \1 sessões (1 a \2)",
            "fr": r"cet atelier a \1 sessions (1 à \2)",
        },
    ),
    (
        r"say which topic, since 'other' was chosen",
        {
            "es": "indique qué tema, ya que eligió 'other'",
            "pt": "indique qual tema, já que escolheu 'other'",
            "fr": "précisez le thème, puisque « other » a été choisi",
        },
    ),
    (
        r"say which region it covers \(e\.g\. Central America\)",
        {
            "es": "indique qué región abarca (p. ej., Centroamérica)",
            "pt": "indique que região abrange (p. ex., América Central)",
            "fr": "précisez la région couverte (p. ex. l'Amérique centrale)",
        },
    ),
    (
        r"the archive was not imported: a record is refused",
        {
            "es": "el archivo no se importó: un registro fue rechazado",
            "pt": "o arquivo não foi importado: um registro foi recusado",
            "fr": "l'archive n'a pas été importée : un enregistrement est refusé",
        },
    ),
    (
        r"send the body as application/json",
        {
            "es": "envíe el cuerpo como application/json",
            "pt": "envie o corpo como application/json",
            "fr": "envoyez le corps en application/json",
        },
    ),
    (
        r"the body is not valid JSON: (.*)",
        {
            "es": r"el cuerpo no es JSON válido: \1",
            "pt": r"o corpo não é JSON válido: \1",
            "fr": r"le corps n'est pas du JSON valide : \1",
        },
    ),
    (
        r"the body must be a JSON object",
        {
            "es": "el cuerpo debe ser un objeto JSON",
            "pt": "o corpo deve ser um objeto JSON",
            "fr": "le corps doit être un objet JSON",
        },
    ),
    (
        r"this Idempotency-Key was used for a different request; use a new key",
        {
            "es": "esta Idempotency-Key ya se usó para otra solicitud; use una clave nueva",
            "pt": "esta Idempotency-Key já foi usada para outra solicitação; use uma chave nova",
            "fr": "cette Idempotency-Key a servi pour une autre requête ; utilisez une nouvelle clé",
        },
    ),
]

_COMPILED = [
    (re.compile(f"^{pattern}$", re.DOTALL), translations) for pattern, translations in CATALOGUE
]


def negotiate(accept_language: str | None) -> str:
    """The first supported language the caller accepts, by preference."""
    choices = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().split("-")[0].lower()
        if primary in SUPPORTED and quality > 0:
            choices.append((-quality, position, primary))
    return min(choices)[2] if choices else DEFAULT


def translate(message: str, language: str) -> str:
    if language == DEFAULT:
        return message
    for pattern, translations in _COMPILED:
        match = pattern.match(message)
        if match and language in translations:
            return match.expand(translations[language])
    return message
