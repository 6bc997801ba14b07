"""Fixed texts for voice match: one writer's own posts (English and Spanish), a draft in their style and
a generic model-made one, in each language."""

from __future__ import annotations

# One writer's own posts (fixed): lower-case starts, short sentences, contractions, ellipses, no emoji,
# no hashtags, lots of "i" and "you".
EN_SAMPLES = [
    "shipped the migration tool today. took three tries... but it's out. you'd think i'd learn to test on prod first",
    "i don't get why every standup runs 40 minutes. we're six people. just say what's blocked and go",
    "spent the morning reading the postgres docs on RLS. honestly? they're good. i'd skipped them for years",
    "my kid asked what i do at work. i said i move data from one box to another. she wasn't impressed",
    "hot take: you don't need kubernetes for a three-person startup. a VM and a cron job got us to 10k users",
    "the bug was a timezone. it's always a timezone... i've said this before and i'll say it again",
    "wrote 200 lines, deleted 180. best day this week tbh",
]
EN_MINE = "fixed the flaky test finally. it was the clock... it's always the clock. i'd blamed the network for a week"
EN_GENERIC = (
    "Documentation plays a crucial role in the success of any project! In today's fast-paced world, "
    "teams that invest in clear, comprehensive documentation consistently outperform those that do not. "
    "Ready to level up your engineering culture? 🚀🔥 #Leadership #Innovation #Engineering"
)

ES_SAMPLES = [
    "hoy por fin salió la versión nueva. tres intentos... pero ya está. la próxima la pruebo antes, lo juro",
    "no entiendo por qué las reuniones duran una hora. somos seis. dices qué te bloquea y listo",
    "me pasé la mañana leyendo la documentación de postgres. sinceramente, está bien escrita. yo no la leía nunca",
    "mi hija me preguntó qué hago en el trabajo. le dije que muevo datos de una caja a otra. no le convenció",
    "el fallo era la zona horaria. siempre es la zona horaria... lo digo y lo repito",
]
ES_MINE = "arreglé el test que fallaba. era el reloj... siempre es el reloj. yo le echaba la culpa a la red"
ES_GENERIC = (
    "¡La documentación juega un papel fundamental en el éxito de cualquier proyecto! En el mundo actual, "
    "los equipos que invierten en una documentación clara y completa obtienen resultados excepcionales. "
    "¿Estás listo para transformar tu cultura de ingeniería? 🚀🔥 #Liderazgo #Innovación"
)
