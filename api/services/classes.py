"""Classes: a teacher, a language, learners."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from api.errors import InvalidInput, NotFound
from api.models import ClassLearner, SchoolClass, User, utc
from api.schemas import ClassOut, LearnerOut
from api.services.rows import id_of
from api.services.users import LANGUAGES, create_user


def create_class(db: Session, teacher: User, name: str, language: str,
                 now: datetime) -> SchoolClass:
    if language not in LANGUAGES:
        raise InvalidInput(f"language: one of {', '.join(LANGUAGES)}", field="language")
    school_class = SchoolClass(name=name, language=language, teacher_id=id_of(teacher), created_at=now)
    db.add(school_class)
    db.commit()
    db.refresh(school_class)
    return school_class


def classes_of(db: Session, teacher: User) -> list[SchoolClass]:
    return list(db.exec(select(SchoolClass).where(col(SchoolClass.teacher_id) == teacher.id)
                        .order_by(col(SchoolClass.id))))


def class_for_teacher(db: Session, teacher: User, class_id: int) -> SchoolClass:
    """The class if ``teacher`` runs it (admins see all); 404 otherwise, so ids leak nothing."""
    school_class = db.get(SchoolClass, class_id)
    if school_class is None or (teacher.role != "admin" and school_class.teacher_id != teacher.id):
        raise NotFound(f"class {class_id} not found")
    return school_class


def learners_of(db: Session, school_class: SchoolClass) -> list[User]:
    statement = (select(User).join(ClassLearner, col(ClassLearner.learner_id) == col(User.id))
                 .where(col(ClassLearner.class_id) == school_class.id).order_by(col(User.id)))
    return list(db.exec(statement))


def describe(db: Session, school_class: SchoolClass) -> ClassOut:
    return ClassOut(id=id_of(school_class), name=school_class.name, language=school_class.language,
                    teacher_id=school_class.teacher_id, learner_count=len(learners_of(db, school_class)),
                    created_at=utc(school_class.created_at))


def describe_learner(learner: User) -> LearnerOut:
    return LearnerOut(id=id_of(learner), username=learner.username)


def add_learner(db: Session, school_class: SchoolClass, username: str, password: str,
                now: datetime) -> User:
    """Create a learner account in the class (one transaction)."""
    learner = create_user(db, username, password, "learner", now, language=school_class.language)
    db.add(ClassLearner(learner_id=id_of(learner), class_id=id_of(school_class)))
    db.commit()
    db.refresh(learner)
    return learner


def class_of_learner(db: Session, learner_id: int) -> SchoolClass | None:
    membership = db.get(ClassLearner, learner_id)
    return db.get(SchoolClass, membership.class_id) if membership else None


def teacher_can_see(db: Session, teacher: User, learner_id: int) -> bool:
    """The learner is in one of the teacher's classes (admins: any learner).

    One query whatever the answer: a learner enrolled with another teacher and an id
    that is no one's take the same path and the same time (two look-ups for the one
    and one for the other told a teacher, by timing, which ids are learners elsewhere).
    """
    if teacher.role == "admin":
        return True
    found = db.exec(select(ClassLearner.learner_id)
                    .join(SchoolClass, col(SchoolClass.id) == col(ClassLearner.class_id))
                    .where(col(ClassLearner.learner_id) == learner_id,
                           col(SchoolClass.teacher_id) == teacher.id)).first()
    return found is not None
