import factory
from allauth.account.models import EmailAddress

from assembly.accounts.models import User
from assembly.assemblies.models import Assembly, Membership, Zone

PASSWORD = "a-long-test-passphrase-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    display_name = factory.Sequence(lambda n: f"Neighbor {n}")
    language = "en"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        self.save()
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class AssemblyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assembly

    name_en = factory.Sequence(lambda n: f"Assembly {n}")
    name_es = factory.Sequence(lambda n: f"Asamblea {n}")
    slug = factory.Sequence(lambda n: f"assembly-{n}")
    description_en = "We meet on Thursdays."
    description_es = "Nos reunimos los jueves."
    visibility = Assembly.Visibility.PUBLIC
    join_policy = Assembly.JoinPolicy.OPEN


class ZoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Zone

    assembly = factory.SubFactory(AssemblyFactory)
    name_en = factory.Sequence(lambda n: f"Block {n}")
    name_es = factory.Sequence(lambda n: f"Cuadra {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    assembly = factory.SubFactory(AssemblyFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.MEMBER
    status = Membership.Status.ACTIVE
