"""Word-prefix search: normalization, the writes that keep terms current, and the list filter."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from django_crm_messenger.branches import get_branch_model
from django_crm_messenger.models import Contact, Conversation, ConversationTerm, Message
from django_crm_messenger.selectors import conversations as conversations_selectors
from django_crm_messenger.selectors.conversations import MAX_SEARCH_LENGTH
from django_crm_messenger.services import postgres_messages
from django_crm_messenger.services.messages import send_operator_message, send_visitor_message
from django_crm_messenger.services.search import (
    MAX_QUERY_TERMS,
    MAX_SCOPED_BRANCHES,
    index_message,
    index_new_conversation,
    query_terms,
    reindex_conversations,
    scope_prefix,
    term_lookups,
    term_rows,
    terms_from_text,
)
from django_crm_messenger.services.visitors import VisitorDetails, start_conversation
from tests.panel.factories import make_conversation

LIST_URL = "/messenger/conversations/"
API_LIST_URL = "/api/messenger/conversations/"
MIGRATION = "0004_conversation_search_terms"
PREVIOUS_MIGRATION = "0003_contact_email_case_insensitive_index"


def listed_ids(response):
    assert response.status_code == 200
    return [conversation.pk for conversation in response.context["conversations"]]


def api_ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def stored_words(conversation):
    """Return the plain terms of a conversation, after checking each one's branch form."""
    rows = set(
        ConversationTerm.objects.filter(conversation=conversation).values_list(
            "term", "branch_term"
        )
    )
    prefix = scope_prefix(conversation.branch_id)
    assert all(branch_term == prefix + term for term, branch_term in rows)
    return {term for term, _branch_term in rows}


# Normalization ------------------------------------------------------------


def test_terms_are_casefolded_words():
    assert terms_from_text("Hello, WORLD! Привет") == {"hello", "world", "привет"}


def test_terms_spell_yo_as_ye():
    assert terms_from_text("Алёна Ёлкина") == {"алена", "елкина"}
    # A decomposed «ё» (е + combining diaeresis) is the same word.
    assert terms_from_text("Але\u0308на") == {"алена"}


def test_long_word_cut_to_32():
    assert terms_from_text("x" * 40) == {"x" * 32}
    assert query_terms("x" * 40) == ["x" * 32]


def test_compatibility_forms_fold_per_word():
    assert terms_from_text("ﬁle １２３４") >= {"file", "1234"}
    # NFKC of the whole text would make "no12345" of this.
    assert terms_from_text("Заказ №12345") >= {"заказ", "12345"}
    assert "no12345" not in terms_from_text("Заказ №12345")


def test_email_gives_whole_address_and_words():
    terms = terms_from_text("Пишите на Anna.B@Mail.RU, спасибо")
    assert "anna.b@mail.ru" in terms
    assert {"anna", "b", "mail", "ru", "пишите", "спасибо"} <= terms


def test_phone_gives_digits_and_suffixes():
    terms = terms_from_text("+7 (999) 123-45-67")
    assert "79991234567" in terms
    assert "9991234567" in terms
    assert "1234567" in terms
    assert "4567" in terms
    assert "567" not in terms  # shorter than four digits
    assert {"7", "999", "123", "45", "67"} <= terms


def test_long_digit_run_gives_group_starts():
    # Two numbers in a row make 21 digits, more than a phone number can have.
    terms = terms_from_text("+7 999 123-45-67 8 800 555 35 35")
    assert "88005553535" in terms
    assert "79991234567" not in terms
    assert "799912345678800" in terms


def test_digits_inside_word_not_phone():
    assert terms_from_text("client777") == {"client777"}
    assert terms_from_text("abc12345") == {"abc12345"}


def test_query_terms_normalize_like_the_text():
    assert query_terms("  АЛЁНА  ") == ["алена"]
    assert query_terms("ﬁ") == ["fi"]


def test_query_phone_becomes_one_digit_term():
    assert query_terms("+7 (999) 123-45-67") == ["79991234567"]
    assert query_terms("123-45-67") == ["1234567"]
    # Fewer than four digits are searched as a word.
    assert query_terms("12") == ["12"]


def test_query_email_stays_whole():
    assert query_terms("Zoya@Example") == ["zoya@example"]
    assert query_terms("(anna@mail.ru),") == ["anna@mail.ru"]
    # Without a local part it is not an address, so its words are searched.
    assert sorted(query_terms("@example.org")) == ["example", "org"]


def test_query_drops_prefixes_of_other_terms():
    assert query_terms("an anna ANN b") == ["anna", "b"]


def test_query_keeps_the_longest_terms():
    terms = query_terms("a bb ccc dddd eeeee ffffff ggggggg hhhhhhhh iiiiiiiii jjjjjjjjjj")
    assert len(terms) == MAX_QUERY_TERMS
    assert "a" not in terms
    assert "bb" not in terms
    assert "jjjjjjjjjj" in terms


def test_scope_prefix_short_or_hashed():
    assert scope_prefix(3) == "#3#"
    long_key = scope_prefix("0b9e6a4c-35d5-4a43-9d4f-1c1f8e0d5b7a")
    assert len(long_key) == 12
    assert long_key.startswith("#")
    assert long_key.endswith("#")
    assert long_key == scope_prefix("0b9e6a4c-35d5-4a43-9d4f-1c1f8e0d5b7a")


def test_term_lookups_per_visible_branch():
    assert term_lookups("анна", None) == [{"term__startswith": "анна"}]
    assert term_lookups("анна", []) == [{"term__startswith": "анна"}]
    assert term_lookups("анна", [1, 2]) == [
        {"branch_term__startswith": "#1#анна"},
        {"branch_term__startswith": "#2#анна"},
    ]
    # Too many branches: the plain term, which the branch filter narrows.
    many = list(range(MAX_SCOPED_BRANCHES + 1))
    assert term_lookups("анна", many) == [{"term__startswith": "анна"}]


def test_query_without_words_has_no_terms():
    assert query_terms("") == []
    assert query_terms("%% -- !!") == []


# Writes -------------------------------------------------------------------


@pytest.mark.django_db
def test_index_message_is_one_query(inbox, django_assert_num_queries):
    conversation = start_conversation(inbox, VisitorDetails())
    with django_assert_num_queries(1):
        index_message(conversation, "Где мой заказ?")
    with django_assert_num_queries(1):
        index_message(conversation, "Где мой заказ?")  # conflicts are ignored
    with django_assert_num_queries(0):
        index_message(conversation, "?!")
    assert stored_words(conversation) == {"где", "мой", "заказ"}


@pytest.mark.django_db
def test_new_conversation_gets_contact_terms(inbox, django_assert_num_queries):
    conversation = start_conversation(
        inbox, VisitorDetails(name="Zoya Petrova", email="Zoya@Example.com", phone="+7 900 111")
    )
    terms = stored_words(conversation)
    assert {"zoya", "petrova", "zoya@example.com", "7900111", "900111"} <= terms

    anonymous = start_conversation(inbox, VisitorDetails())
    assert stored_words(anonymous) == set()
    contact = anonymous.contact
    with django_assert_num_queries(0):
        index_new_conversation(anonymous, contact)


@pytest.mark.django_db
def test_linked_contact_terms_reach_new_conversation(inbox):
    first = start_conversation(inbox, VisitorDetails(name="Zoya", email="zoya@example.com"))
    # The second visitor gives another name but the same address, so the
    # conversation is linked to the first contact and searchable by its name.
    second = start_conversation(inbox, VisitorDetails(name="Z", email="ZOYA@example.com"))
    assert second.contact_id == first.contact_id
    assert {"zoya", "zoya@example.com"} <= stored_words(second)


@pytest.mark.django_db
def test_reindex_replaces_stale_terms(inbox):
    conversation = make_conversation(inbox, "Anna", "Hello there")
    ConversationTerm.objects.create(conversation=conversation, term="stale", branch_term="#stale")
    Contact.objects.filter(pk=conversation.contact_id).update(name="Maria")

    written = reindex_conversations([conversation.pk, 10**9])

    assert stored_words(conversation) == {"maria", "hello", "there"}
    assert written == 3


@pytest.mark.django_db
def test_deleting_conversation_deletes_terms(inbox):
    conversation = make_conversation(inbox, "Anna", "Hello")
    Conversation.objects.filter(pk=conversation.pk).delete()
    assert not ConversationTerm.objects.exists()


# Search through the panel and the API --------------------------------------


@pytest.fixture
def search(client, operator_a):
    client.force_login(operator_a)

    def run(query):
        return listed_ids(client.get(LIST_URL, {"q": query}))

    return run


@pytest.mark.django_db
def test_search_matches_word_prefixes(search, inbox):
    anna = make_conversation(inbox, "Анна Смирнова", "Здравствуйте")
    make_conversation(inbox, "Иван", "Добрый день")

    assert search("Анна") == [anna.pk]
    assert search("ан") == [anna.pk]
    assert search("АНН СМИР") == [anna.pk]
    assert search("здрав") == [anna.pk]
    # Not a word start, and not every word present.
    assert search("нна") == []
    assert search("анна иван") == []


@pytest.mark.django_db
def test_search_ignores_yo_and_case(search, inbox):
    alena = make_conversation(inbox, "Алёна", "Ёлка")
    assert search("алена") == [alena.pk]
    assert search("АЛЁ") == [alena.pk]
    assert search("елк") == [alena.pk]


@pytest.mark.django_db
def test_search_by_email_and_phone(search, inbox):
    target = make_conversation(
        inbox, "Zoya", "Hi", email="zoya.p@example.com", phone="+7 (999) 123-45-67"
    )
    make_conversation(inbox, "Other", "Hi", email="other@example.com", phone="+7 495 000-00-00")

    assert search("zoya.p@example.com") == [target.pk]
    assert search("ZOYA.P@exa") == [target.pk]
    assert search("1234567") == [target.pk]
    assert search("9991234567") == [target.pk]
    assert search("+7 999 123-45-67") == [target.pk]
    assert search("45-67") == [target.pk]


@pytest.mark.django_db
@pytest.mark.usefixtures("message_store")
def test_search_finds_new_visitor_message(search, inbox):
    conversation = make_conversation(inbox, "Anna", "Hello")
    assert search("доставка") == []

    send_visitor_message(conversation.pk, "Сколько стоит доставка заказа 4711?")

    assert search("доставк") == [conversation.pk]
    assert search("заказ 4711") == [conversation.pk]


@pytest.mark.django_db
@pytest.mark.usefixtures("message_store")
def test_search_finds_new_operator_message(search, inbox, operator_a):
    conversation = make_conversation(inbox, "Anna", "Hello")
    send_operator_message(conversation, operator_a, "Курьер приедет завтра")
    assert search("курьер") == [conversation.pk]


@pytest.mark.django_db
@pytest.mark.usefixtures("message_store")
def test_stored_message_terms_match_term_rows(inbox):
    conversation = make_conversation(inbox, "Anna", "Hello")
    body = "Ёлка, ЁЛКА и звонок +7 (999) 123-45-67 anna@example.org"
    terms = ConversationTerm.objects.filter(conversation=conversation)
    before = set(terms.values_list("term", "branch_term"))

    send_visitor_message(conversation.pk, body)

    expected = set(term_rows(terms_from_text(body), conversation.branch_id))
    assert len(expected) > 10
    assert set(terms.values_list("term", "branch_term")) == before | expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    "key", ["3", "1234567890", "12345678901", "a#b", "5f0c3c8e-2c1a-4f5e-9d3b-7a1e2b3c4d5e"]
)
def test_scope_prefix_sql_matches_python(key):
    if connection.vendor != "postgresql":
        pytest.skip("the SQL form is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + postgres_messages._scope_prefix_sql("%(key)s"), {"key": key})
        assert cursor.fetchone()[0] == scope_prefix(key)


@pytest.mark.django_db
def test_search_is_scoped_to_visible_branches(client, operator_a, operator_b, inbox, inbox_b):
    mine = make_conversation(inbox, "Анна", "Заказ 4711")
    theirs = make_conversation(inbox_b, "Анна", "Заказ 4711")

    client.force_login(operator_a)
    assert listed_ids(client.get(LIST_URL, {"q": "анна 4711"})) == [mine.pk]
    assert api_ids(client.get(API_LIST_URL, {"q": "анна 4711"})) == [mine.pk]

    client.force_login(operator_b)
    assert listed_ids(client.get(LIST_URL, {"q": "анна 4711"})) == [theirs.pk]
    assert api_ids(client.get(API_LIST_URL, {"q": "анна 4711"})) == [theirs.pk]


def branches_a_and_b(user):
    return get_branch_model().objects.filter(name__in=["Branch A", "Branch B"])


@pytest.mark.django_db
def test_search_reads_each_visible_branch(client, operator_a, inbox, inbox_b, settings):
    settings.MESSENGER_VISIBLE_BRANCHES = "tests.test_search.branches_a_and_b"
    mine = make_conversation(inbox, "Анна", "Hello")
    theirs = make_conversation(inbox_b, "Анна", "Hello")
    client.force_login(operator_a)
    assert listed_ids(client.get(LIST_URL, {"q": "анна"})) == [theirs.pk, mine.pk]
    assert api_ids(client.get(API_LIST_URL, {"q": "анна"})) == [theirs.pk, mine.pk]


@pytest.mark.django_db
def test_search_without_cache_uses_plain_terms(client, operator_a, inbox, inbox_b, monkeypatch):
    mine = make_conversation(inbox, "Анна", "Hello")
    make_conversation(inbox_b, "Анна", "Hello")

    def fail(user):
        raise ConnectionError("cache is down")

    monkeypatch.setattr(conversations_selectors, "visible_branch_ids", fail)
    client.force_login(operator_a)
    # The API list reads the cache for nothing else; the branch filter still applies.
    assert api_ids(client.get(API_LIST_URL, {"q": "анна"})) == [mine.pk]


@pytest.mark.django_db
def test_search_covers_both_branches_for_admin(client, admin_user, inbox, inbox_b):
    mine = make_conversation(inbox, "Анна", "Hello")
    theirs = make_conversation(inbox_b, "Анна", "Hello")
    client.force_login(admin_user)
    assert listed_ids(client.get(LIST_URL, {"q": "анна"})) == [theirs.pk, mine.pk]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        "<script>alert(1)</script>",
        "%",
        "_nna",
        "%nna",
        "\\",
        "' OR 1=1 --",
        '"><img src=x onerror=alert(1)>',
        "a\x00b",
        "x" * 5000,
    ],
)
def test_odd_queries_are_harmless(client, operator_a, inbox, query):
    make_conversation(inbox, "Anna", "Hello")
    client.force_login(operator_a)

    page = client.get(LIST_URL, {"q": query})
    api = client.get(API_LIST_URL, {"q": query})

    assert page.status_code == 200
    assert api.status_code == 200
    assert "<script>alert" not in page.content.decode()
    assert "<img src=x" not in page.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("url", [LIST_URL, API_LIST_URL])
@pytest.mark.parametrize("user_fixture", ["operator_a", "admin_user"])
def test_search_adds_no_query(request, client, inbox, url, user_fixture):
    for number in range(3):
        make_conversation(inbox, f"Visitor {number}", f"Message {number}")
    client.force_login(request.getfixturevalue(user_fixture))
    # The first search caches the user's branch list, as the panel page does anyway.
    client.get(url, {"q": "visitor"})

    with CaptureQueriesContext(connection) as plain:
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as searched:
        assert client.get(url, {"q": "visitor message 1 2"}).status_code == 200

    assert len(searched) == len(plain)


@pytest.mark.django_db
def test_like_wildcards_match_literally(search, inbox):
    anna = make_conversation(inbox, "Anna", "snake_case 100%")
    # "_" and "%" are not LIKE wildcards in a search.
    assert search("_nna") == []
    assert search("%nna") == []
    assert search("sn%ke") == []
    assert search("snake_c") == [anna.pk]


@pytest.mark.django_db
def test_query_without_terms_lists_everything(search, inbox):
    conversations = [make_conversation(inbox, "Anna"), make_conversation(inbox, "Ivan")]
    assert sorted(search("!!!")) == sorted(c.pk for c in conversations)


@pytest.mark.django_db
def test_search_query_cut_to_maximum(search, inbox):
    anna = make_conversation(inbox, "Anna", "Hello")
    repeated = "anna " * (MAX_SEARCH_LENGTH // 5)
    assert len(repeated) == MAX_SEARCH_LENGTH
    # A word past the maximum length is dropped, so it cannot exclude Anna.
    assert search(repeated + "zzz") == [anna.pk]
    assert search(repeated[:-5] + "zzz") == []


# Contact changes ----------------------------------------------------------


def post_contact_change(client, contact, **changes):
    data = {"name": contact.name, "email": contact.email, "phone": contact.phone, **changes}
    url = reverse("admin:messenger_contact_change", args=[contact.pk])
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()


@pytest.mark.django_db
def test_admin_contact_change_updates_terms(client, admin_user, inbox):
    first = make_conversation(inbox, "Anna Smirnova", "Hello", email="anna@example.com")
    second = start_conversation(inbox, VisitorDetails(email="anna@example.com"))
    send_visitor_message(second.pk, "Second chat")
    other = make_conversation(inbox, "Anna Other", "Hi")
    client.force_login(admin_user)

    post_contact_change(
        client, first.contact, name="Maria Ivanova", email="maria@example.com", phone="+7 900 1234"
    )

    assert listed_ids(client.get(LIST_URL, {"q": "maria"})) == [second.pk, first.pk]
    assert listed_ids(client.get(LIST_URL, {"q": "maria@example.com"})) == [second.pk, first.pk]
    assert listed_ids(client.get(LIST_URL, {"q": "9001234"})) == [second.pk, first.pk]
    assert listed_ids(client.get(LIST_URL, {"q": "smirnova"})) == []
    assert listed_ids(client.get(LIST_URL, {"q": "anna@example.com"})) == []
    assert listed_ids(client.get(LIST_URL, {"q": "anna"})) == [other.pk]
    # Message terms survive the rebuild.
    assert listed_ids(client.get(LIST_URL, {"q": "second chat"})) == [second.pk]


@pytest.mark.django_db
def test_admin_save_unchanged_keeps_terms(client, admin_user, inbox):
    conversation = make_conversation(inbox, "Anna", "Hello")
    ConversationTerm.objects.create(conversation=conversation, term="marker", branch_term="#marker")
    client.force_login(admin_user)
    post_contact_change(client, conversation.contact)
    # No rebuild ran, so the extra term is still there.
    assert ConversationTerm.objects.filter(conversation=conversation, term="marker").exists()


@pytest.mark.django_db
def test_admin_message_delete_drops_its_terms(client, admin_user, inbox):
    conversation = make_conversation(inbox, "Anna", "Hello")
    send_visitor_message(conversation.pk, "Секретное слово")
    message = Message.objects.get(body="Секретное слово")
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:messenger_message_delete", args=[message.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert stored_words(conversation) == {"anna", "hello"}


@pytest.mark.django_db
def test_admin_delete_action_drops_terms(client, admin_user, inbox):
    conversation = make_conversation(inbox, "Anna", "Hello")
    send_visitor_message(conversation.pk, "Секретное слово")
    message = Message.objects.get(body="Секретное слово")
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:messenger_message_changelist"),
        {"action": "delete_selected", "_selected_action": [message.pk], "post": "yes"},
    )

    assert response.status_code == 302
    assert stored_words(conversation) == {"anna", "hello"}


# Bulk rebuilds ------------------------------------------------------------


def import_without_services(inbox, name, body):
    """Write a conversation the way a bulk import would: rows only, no terms."""
    contact = Contact.objects.create(branch=inbox.branch, name=name)
    conversation = Conversation.objects.create(inbox=inbox, contact=contact)
    message = Message.objects.create(conversation=conversation, sender="visitor", body=body)
    Conversation.objects.filter(pk=conversation.pk).update(
        has_visitor_message=True,
        last_message_id=message.pk,
        last_visitor_message_id=message.pk,
        last_message_at=message.created_at,
    )
    return conversation


@pytest.mark.django_db
def test_reindex_command_indexes_imported_rows(search, inbox):
    imported = [import_without_services(inbox, f"Imported {n}", f"Слово{n}") for n in range(3)]
    assert search("imported") == []
    output = StringIO()

    call_command("messenger_reindex_search", "--batch-size", "2", stdout=output)

    assert "3 conversations: 9 terms" in output.getvalue()
    assert sorted(search("imported")) == sorted(c.pk for c in imported)
    assert search("слово1") == [imported[1].pk]


@pytest.mark.django_db
def test_reindex_command_rejects_zero_batch_size():
    with pytest.raises(CommandError, match="at least 1"):
        call_command("messenger_reindex_search", "--batch-size", "0")


@pytest.mark.django_db(transaction=True)
def test_migration_fills_terms_of_existing_conversations(inbox):
    conversation = make_conversation(inbox, "Anna Smirnova", "Где мой заказ?", phone="8 900 1234")
    empty = start_conversation(inbox, VisitorDetails())
    executor = MigrationExecutor(connection)

    executor.migrate([("messenger", PREVIOUS_MIGRATION)])
    executor.loader.build_graph()
    executor.migrate([("messenger", MIGRATION)])

    assert stored_words(conversation) == {
        "anna",
        "smirnova",
        "где",
        "мой",
        "заказ",
        "8",
        "900",
        "1234",
        "89001234",
        "9001234",
        "001234",
        "01234",
    }
    assert stored_words(empty) == set()
