"""The agenda's refusal messages, in Arabic, French and English."""

from shared.i18n import register_messages

register_messages(
    {
        "conference_unknown": {
            "ar": "المؤتمر «{conference_id}» غير معروف لدى البرنامج (لم يصل بعد من خدمة التسجيل).",
            "fr": "La conférence « {conference_id} » est inconnue de l'agenda (pas encore reçue de l'inscription).",
            "en": "Conference '{conference_id}' is unknown to the agenda (not yet received from registration).",
        },
        "room_unknown": {
            "ar": "القاعة «{room_id}» غير موجودة في هذا المؤتمر.",
            "fr": "La salle « {room_id} » n'existe pas dans cette conférence.",
            "en": "Room '{room_id}' does not exist in this conference.",
        },
        "speaker_unknown": {
            "ar": "المتدخل «{speaker_id}» غير موجود في هذا المؤتمر.",
            "fr": "L'intervenant « {speaker_id} » n'existe pas dans cette conférence.",
            "en": "Speaker '{speaker_id}' does not exist in this conference.",
        },
        "session_unknown": {
            "ar": "الجلسة «{session_id}» غير موجودة.",
            "fr": "La séance « {session_id} » est introuvable.",
            "en": "Session '{session_id}' does not exist.",
        },
        "already_exists": {
            "ar": "يوجد عنصر بالمعرف «{id}» مسبقا.",
            "fr": "Un élément avec l'identifiant « {id} » existe déjà.",
            "en": "An item with id '{id}' already exists.",
        },
        "session_ends_before_start": {
            "ar": "يجب أن تنتهي الجلسة بعد بدايتها.",
            "fr": "La séance doit se terminer après son début.",
            "en": "The session must end after it starts.",
        },
        "outside_conference_dates": {
            "ar": "الجلسة خارج تواريخ المؤتمر (من {starts_on} إلى {ends_on}).",
            "fr": "La séance est en dehors des dates de la conférence (du {starts_on} au {ends_on}).",
            "en": "The session is outside the conference dates ({starts_on} to {ends_on}).",
        },
        "room_double_booked": {
            "ar": "القاعة «{room}» محجوزة في هذا الوقت للجلسة «{other_title}» ({other_time}).",
            "fr": "La salle « {room} » est déjà occupée à ce moment par la séance « {other_title} » ({other_time}).",
            "en": "Room '{room}' is already taken at that time by the session '{other_title}' ({other_time}).",
        },
        "speaker_double_booked": {
            "ar": "المتدخل(ة) {speaker} مبرمج(ة) في الوقت نفسه في الجلسة «{other_title}» ({other_time}).",
            "fr": "{speaker} intervient au même moment dans la séance « {other_title} » ({other_time}).",
            "en": "{speaker} is already speaking at that time in the session '{other_title}' ({other_time}).",
        },
        "session_over": {
            "ar": "انتهت هذه الجلسة: لم يعد التسجيل فيها ممكنا.",
            "fr": "Cette séance est terminée : on ne peut plus s'y inscrire.",
            "en": "This session is over: signing up is no longer possible.",
        },
        "session_cancelled": {
            "ar": "هذه الجلسة ملغاة.",
            "fr": "Cette séance est annulée.",
            "en": "This session is cancelled.",
        },
        "capacity_below_signups": {
            "ar": "لا يمكن أن تقل الطاقة الاستيعابية عن عدد المسجلين المؤكدين ({taken}).",
            "fr": "La capacité ne peut pas être inférieure au nombre d'inscrits confirmés ({taken}).",
            "en": "The capacity cannot be lower than the number of confirmed sign-ups ({taken}).",
        },
        "capacity_above_room": {
            "ar": "عدد المقاعد ({capacity}) يفوق سعة القاعة «{room}» ({room_capacity}).",
            "fr": "Le nombre de places ({capacity}) dépasse la capacité de la salle « {room} » ({room_capacity}).",
            "en": "The seats ({capacity}) exceed the capacity of room '{room}' ({room_capacity}).",
        },
        "nothing_to_release": {
            "ar": "لا يوجد أي تغيير منذ النسخة {version}: لا حاجة إلى نسخة جديدة.",
            "fr": "Rien n'a changé depuis la version {version} : aucune nouvelle version à publier.",
            "en": "Nothing changed since version {version}: there is no new version to release.",
        },
        "schedule_not_released": {
            "ar": "لم يُنشر برنامج هذا المؤتمر بعد.",
            "fr": "Le programme de cette conférence n'est pas encore publié.",
            "en": "The programme of this conference has not been released yet.",
        },
        "manage_token_missing": {
            "ar": "أرسل رمز التدبير الذي منحته لك خدمة التسجيل (الترويسة X-Manage-Token).",
            "fr": "Envoyez le jeton de gestion reçu à l'inscription (en-tête X-Manage-Token).",
            "en": "Send the manage token you received when registering (header X-Manage-Token).",
        },
        "manage_token_invalid": {
            "ar": "رمز التدبير غير صالح.",
            "fr": "Le jeton de gestion n'est pas valide.",
            "en": "The manage token is not valid.",
        },
        "manage_token_revoked": {
            "ar": "سُحب رمز التدبير هذا: مُحيت بيانات هذا التسجيل الشخصية.",
            "fr": "Ce jeton de gestion est révoqué : les données personnelles de cette inscription ont été effacées.",
            "en": "This manage token is revoked: the registration's personal data was erased.",
        },
        "manage_tokens_unavailable": {
            "ar": "التحقق من رموز التدبير غير متاح حاليا على هذه الخدمة.",
            "fr": "La vérification des jetons de gestion n'est pas disponible sur ce service.",
            "en": "Manage tokens cannot be verified by this service at the moment.",
        },
        "participant_not_eligible": {
            "ar": "تسجيلك في المؤتمر غير مؤكد (الحالة: {registration_status})، فلا يمكنك التسجيل في الجلسات.",
            "fr": "Votre inscription à la conférence n'est pas confirmée (statut : {registration_status}) : "
                  "vous ne pouvez pas vous inscrire aux séances.",
            "en": "Your conference registration is not confirmed (status: {registration_status}), "
                  "so you cannot sign up for sessions.",
        },
        "wrong_conference": {
            "ar": "هذه الجلسة تابعة لمؤتمر آخر غير الذي سجلت فيه.",
            "fr": "Cette séance appartient à une autre conférence que la vôtre.",
            "en": "This session belongs to another conference than yours.",
        },
        "signup_not_required": {
            "ar": "هذه الجلسة مفتوحة دون تسجيل مسبق.",
            "fr": "Cette séance est en accès libre, sans inscription.",
            "en": "This session is open to all without sign-up.",
        },
        "session_not_released": {
            "ar": "هذه الجلسة غير منشورة بعد في البرنامج.",
            "fr": "Cette séance n'est pas encore publiée au programme.",
            "en": "This session is not yet in the released programme.",
        },
        "signup_overlaps": {
            "ar": "أنت مسجل(ة) في الوقت نفسه في الجلسة «{other_title}» ({other_time}).",
            "fr": "Vous êtes déjà inscrit·e au même moment à la séance « {other_title} » ({other_time}).",
            "en": "You are already signed up at that time for the session '{other_title}' ({other_time}).",
        },
        "signup_unknown": {
            "ar": "لا يوجد تسجيل لك في هذه الجلسة.",
            "fr": "Vous n'êtes pas inscrit·e à cette séance.",
            "en": "You are not signed up for this session.",
        },
        "agenda_unknown": {
            "ar": "هذا البرنامج الشخصي غير موجود.",
            "fr": "Cet agenda personnel est introuvable.",
            "en": "This personal agenda does not exist.",
        },
        "duplicate_recommendation_key": {
            "ar": "مفتاح التوصية «{key}» مكرر.",
            "fr": "La clé de recommandation « {key} » est en double.",
            "en": "The recommendation key '{key}' is repeated.",
        },
        "invalid_key": {
            "ar": "المعرف يجب أن يتكون من حروف لاتينية صغيرة وأرقام وشرطات.",
            "fr": "L'identifiant ne doit contenir que des minuscules latines, des chiffres et des tirets.",
            "en": "The identifier may only contain lowercase Latin letters, digits and hyphens.",
        },
    }
)
